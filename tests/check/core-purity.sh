#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The core library is sans-I/O: bytes, parsed structs and an explicit `now` in; bytes, events and
# deadlines out. Its undefined symbols must not include sockets, files, the clock, signals,
# processes, the environment, or OpenSSL calls that read files. Usage: core-purity.sh libsluicecore.a
set -eu
lib=${1:?usage: core-purity.sh path/to/libsluicecore.a}
[ -f "$lib" ] || { echo "no such library: $lib" >&2; exit 1; }

forbidden='socket|bind|connect|listen|accept|accept4|send|sendto|sendmsg|sendmmsg|recv|recvfrom|recvmsg|recvmmsg|setsockopt|getsockopt|getaddrinfo|gethostbyname|
open|open64|openat|openat64|creat|fopen|fopen64|fdopen|freopen|read|write|readv|writev|pread|pread64|pwrite|pwrite64|close|fclose|fread|fwrite|fgets|fputs|fprintf|printf|vprintf|vfprintf|puts|putchar|perror|dprintf|
stat|stat64|fstat|fstat64|lstat|lstat64|access|unlink|rename|mkdir|rmdir|opendir|readdir|realpath|chdir|getcwd|mmap|mmap64|ioctl|fcntl|dup|dup2|pipe|pipe2|
epoll_create|epoll_create1|epoll_ctl|epoll_wait|poll|ppoll|select|pselect|
time|clock_gettime|gettimeofday|clock|localtime|localtime_r|gmtime|mktime|strftime|sleep|usleep|nanosleep|timerfd_create|
signal|sigaction|sigprocmask|signalfd|kill|raise|alarm|
fork|vfork|execve|execv|execvp|execl|execlp|system|popen|posix_spawn|waitpid|wait|exit|_exit|abort|
getenv|setenv|putenv|unsetenv|syslog|openlog|
stdin|stdout|stderr|
BIO_new_file|BIO_read_filename|SSL_CTX_use_certificate_file|SSL_CTX_use_certificate_chain_file|SSL_CTX_use_PrivateKey_file|SSL_CTX_load_verify_locations|SSL_CTX_load_verify_file|SSL_CTX_load_verify_dir|X509_LOOKUP_file|RAND_load_file|RAND_write_file'
forbidden=$(printf '%s' "$forbidden" | tr -d '\n')

undefined=$(nm -u --format=posix "$lib" | awk '{print $1}' | sed 's/@.*//' | sort -u)
bad=$(printf '%s\n' "$undefined" | grep -E -x "($forbidden)" || true)
if [ -n "$bad" ]; then
    echo "the core library calls I/O or process functions; move these calls to src/shell:" >&2
    for sym in $bad; do
        printf '  %s used by:' "$sym" >&2
        nm -A -u --format=posix "$lib" | awk -v s="$sym" '$2 == s || $2 ~ "^"s"@" {split($1, a, "[][]"); printf " %s", a[2]}' >&2
        echo >&2
    done
    exit 1
fi
echo "core library is pure: $(printf '%s\n' "$undefined" | wc -l) undefined symbols checked"
