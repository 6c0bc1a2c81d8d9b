"""Writes the Redis protocol (RESP) for a session-store-like data set to stdout: per key a hash
(user profile fields) and a JSON string (a session), deterministic for a given seed. Keys are
numbered with 12 digits, as redis-benchmark's __rand_int__ expands, so that its traffic hits them."""
import json
import random
import sys

keys, seed = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)
out = sys.stdout.buffer
FIRST = ['ana', 'bo', 'chen', 'dara', 'eli', 'fatima', 'goran', 'hana', 'ivo', 'jun', 'kofi', 'lena']
CITIES = ['Berlin', 'Lagos', 'Lima', 'Osaka', 'Porto', 'Quito', 'Seoul', 'Tunis', 'Oslo', 'Pune']


def cmd(*args):
    parts = [b'*%d\r\n' % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b'$%d\r\n%s\r\n' % (len(b), b))
    out.write(b''.join(parts))


for k in range(keys):
    name = rnd.choice(FIRST)
    cmd('HSET', f'user:{k:012d}', 'name', f'{name}{rnd.randrange(10**6)}', 'city', rnd.choice(CITIES),
        'visits', rnd.randrange(10**5), 'plan', rnd.choice(['free', 'pro', 'team']),
        'email', f'{name}.{rnd.randrange(10**6)}@example.org')
    session = {'uid': k, 'token': '%032x' % rnd.getrandbits(128), 'cart': [rnd.randrange(10**4) for _ in range(rnd.randrange(8))],
               'ts': 1700000000 + rnd.randrange(10**7), 'ua': 'Mozilla/5.0 (X11; Linux x86_64)'}
    cmd('SET', f'session:{k:012d}', json.dumps(session), 'EX', 86400)
