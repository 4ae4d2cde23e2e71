# Helpers the bench scripts share; each sources it after `cd` to the
# repository root: `. bench/lib.sh`.

# A TCP port on 127.0.0.1 free now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A wrk latency (`850.00us`, `1.89ms`, `1.20s`) in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

# nginx on PATH, installed with apt-get when missing and run as root.
need_nginx() {
  command -v nginx >/dev/null && return 0
  [ "$(id -u)" = 0 ] || { echo "nginx is not installed (apt-get install nginx)"; exit 2; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
}

# Starts nginx in the background (its pid in nginx_pid) with DIR (an empty
# directory) for its configuration, pid, log and temporary files: the
# settings the benches share (two workers, no access log, sendfile,
# keep-alive without end, every file `application/json`), then the further
# `http` directives and `server` block read from standard input.
#   start_nginx DIR <<CONF … CONF
start_nginx() {
  local dir="$1"
  {
    cat <<CONF
worker_processes 2;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 10000000;
    types { }
    default_type application/json;
CONF
    cat
    echo "}"
  } >"$dir/nginx.conf"
  nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" &
  nginx_pid=$!
}
