# scripts/record-python-churn.sh runs this under capture --interval: a real process that
# allocates, rewrites, frees and forks over about a minute
import os, time, random
random.seed(1)
blocks = []
def page(i):
    word = (i * 2654435761) & 0xffffffff
    return (word.to_bytes(4, 'little') * 256 + bytes(random.randrange(256) for _ in range(200)).ljust(3072, b'\0'))[:4096]
base = [page(i) for i in range(64)]
for step in range(12):
    blocks.append(bytearray(b''.join(base[(step * 7 + j) % 64] for j in range(512))))   # 2 MiB, many repeated pages
    if step % 3 == 2 and len(blocks) > 2:
        del blocks[0]                                                                  # free
    for b in blocks[-2:]:
        for off in range(0, len(b), 4096 * 16):
            b[off:off + 8] = os.urandom(8)                                             # rewrite some pages
    if step == 6:
        if os.fork() == 0:                                                             # a child shares pages copy-on-write
            for b in blocks:
                b[0:8] = b'childwrt'
            time.sleep(20)
            os._exit(0)
    time.sleep(5)
