#!/usr/bin/env bash
# MariaDB 10.11 (InnoDB buffer pool MARIADB_POOL) with an orders table of MARIADB_ROWS rows,
# driven by mariadb-slap: point reads, range scans and updates from several clients.
source "$(dirname "$0")/lib.sh"
action=$1 dir=$2
ROWS=${MARIADB_ROWS:-200000}
port() { echo $((53306 + $1)); }
sql() { mariadb --socket="$1/mysqld.sock" -uroot study -e "$2"; }

case $action in
start)
  i=$3 d="$dir/i$3"
  mkdir -p "$d" && chown mysql: "$d"
  mariadb-install-db --no-defaults --datadir="$d/data" --user=mysql --auth-root-authentication-method=normal \
    --skip-test-db >"$d/install.log" 2>&1
  detach "$d/mariadbd.log" mariadbd --no-defaults --datadir="$d/data" --socket="$d/mysqld.sock" \
    --port="$(port "$i")" --bind-address=127.0.0.1 --user=mysql --pid-file="$d/mariadbd.pid" \
    --innodb-buffer-pool-size="${MARIADB_POOL:-96M}" --innodb-log-file-size=32M --skip-log-bin \
    --innodb-flush-log-at-trx-commit=0 --performance-schema=OFF
  wait_for 60 mariadb-admin --socket="$d/mysqld.sock" -uroot ping
  mariadb --socket="$d/mysqld.sock" -uroot -e 'CREATE DATABASE study'
  sql "$d" "CREATE TABLE orders (id INT PRIMARY KEY, customer INT, status VARCHAR(12), amount DECIMAL(10,2),
      note VARCHAR(120), created DATETIME, KEY (customer)) ENGINE=InnoDB;
    INSERT INTO orders SELECT seq, FLOOR(RAND($i + 1) * 20000), ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'returned'),
      ROUND(RAND() * 1000, 2), CONCAT('order ', seq, ' for ', SHA2(seq, 256)), NOW() - INTERVAL seq MINUTE
    FROM seq_1_to_$ROWS;"
  ;;
load)
  n=$3 secs=$4 pids=()
  for ((i = 0; i < n; i++)); do
    timeout "$secs" mariadb-slap --socket="$dir/i$i/mysqld.sock" -uroot --create-schema=study --concurrency=4 \
      --iterations=1000000 --query="SELECT * FROM orders WHERE id = FLOOR(1 + RAND() * $ROWS);
        SELECT customer, SUM(amount) FROM orders WHERE customer BETWEEN 100 AND 140 GROUP BY customer;
        UPDATE orders SET amount = amount + 1 WHERE id = FLOOR(1 + RAND() * $ROWS);" --delimiter=';' \
      >"$dir/slap-$i.log" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  ;;
*) die "usage: $0 start|load <dir> ..." ;;
esac
