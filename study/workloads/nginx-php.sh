#!/usr/bin/env bash
# nginx (2 workers) in front of a php-fpm pool (PHP_WORKERS static children, opcache on), serving a
# small PHP catalogue application: it builds a product list, filters and sorts it, renders HTML.
source "$(dirname "$0")/lib.sh"
action=$1 dir=$2
port() { echo $((58080 + $1)); }

case $action in
start)
  i=$3 d="$dir/i$3"
  mkdir -p "$d/www" "$d/tmp"
  cp "$HERE/app.php" "$d/www/index.php"
  chown -R www-data: "$d/www" "$d/tmp"
  cat >"$d/php-fpm.conf" <<CONF
[global]
pid = $d/php-fpm.pid
error_log = $d/php-fpm.log
daemonize = yes
[app]
user = www-data
group = www-data
listen = $d/php.sock
listen.owner = www-data
pm = static
pm.max_children = ${PHP_WORKERS:-4}
php_admin_value[memory_limit] = 128M
php_admin_value[opcache.enable] = 1
php_admin_value[opcache.memory_consumption] = 32
CONF
  php-fpm8.2 -y "$d/php-fpm.conf"
  cat >"$d/nginx.conf" <<CONF
worker_processes 2;
user www-data;
pid $d/nginx.pid;
error_log $d/nginx-error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;
  uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  server {
    listen 127.0.0.1:$(port "$i");
    root $d/www;
    location / {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME $d/www/index.php;
      fastcgi_pass unix:$d/php.sock;
    }
  }
}
CONF
  nginx -c "$d/nginx.conf"
  wait_for 20 port_open "$(port "$i")"
  ;;
load)
  AB_CONCURRENCY=8 ab_instances "$3" "$4" '/?page=3&sort=price'
  ;;
*) die "usage: $0 start|load <dir> ..." ;;
esac
