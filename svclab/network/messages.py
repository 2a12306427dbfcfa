"""Every error and banner text the emulated pod prints, copied from the real programs.

Sources are cited next to each text; ``{}`` fields are filled with ``str.format``.
"""

from __future__ import annotations

import hashlib

# --- container runtime (containerd CRI + runc), as kubectl prints it -----------------------------
# containerd internal/cri/server/container_execsync.go wraps runc's error; kubectl prints
# "error: " + the Status message and exits 1 (no "command terminated" line). Seen verbatim in
# nigelpoulton/TheK8sBook#30:
#   error: Internal error occurred: error executing command in container: failed to exec in
#   container: failed to start exec "<64 hex>": OCI runtime exec failed: exec failed: unable to
#   start container process: exec: "ps": executable file not found in $PATH: unknown
RUNTIME_EXEC_FAILED = ('Internal error occurred: error executing command in container: failed to exec in '
                       'container: failed to start exec "{exec_id}": OCI runtime exec failed: exec failed: '
                       'unable to start container process: {cause}: unknown')
# runc libcontainer/standard_init_linux.go / setns_init_linux.go: exec.LookPath errors.
RUNC_NOT_IN_PATH = 'exec: "{cmd}": executable file not found in $PATH'
RUNC_NO_SUCH_FILE = 'exec: "{cmd}": stat {cmd}: no such file or directory'
# kubectl (k8s.io/kubectl/pkg/cmd/exec) when the process exits non-zero: printed on stderr by
# kubectl itself from the NonZeroExitCode Status; kubectl then exits with that code.
KUBECTL_COMMAND_TERMINATED = "command terminated with exit code {code}"


def exec_id(namespace: str, pod: str, argv: list[str]) -> str:
    """A 64-hex exec id like containerd's (derived, so repeated runs print the same text)."""
    return hashlib.sha256(f"{namespace}/{pod}/{argv!r}".encode()).hexdigest()


def runtime_not_found(cmd: str, namespace: str, pod: str, argv: list[str]) -> str:
    """The Status message for exec of a binary the image does not have."""
    cause = (RUNC_NO_SUCH_FILE if "/" in cmd else RUNC_NOT_IN_PATH).format(cmd=cmd)
    return RUNTIME_EXEC_FAILED.format(exec_id=exec_id(namespace, pod, argv), cause=cause)


# --- busybox ash (shell/ash.c) ------------------------------------------------------------------
# ash_vmsg(): "%s: " arg0, then the message; find_command(): "%s: %s", name, errmsg(e, "not found").
ASH_NOT_FOUND = "{arg0}: {cmd}: not found"
ASH_CANT_CREATE = "{arg0}: can't create {path}: {err}"
ASH_CANT_OPEN = "{arg0}: can't open {path}: {err}"
ASH_SYNTAX_UNEXPECTED = "{arg0}: syntax error: unexpected {token}"
ASH_SYNTAX_EOF = "{arg0}: syntax error: unexpected end of file (expecting \"{expecting}\")"
ASH_SYNTAX_QUOTE = "{arg0}: syntax error: unterminated quoted string"
ASH_BAD_NUMBER = "{arg0}: exit: Illegal number: {arg}"
EXIT_NOT_FOUND = 127

# --- busybox applets (libbb messages) -----------------------------------------------------------
BUSYBOX_VERSION = "1.36.1"
# bb_show_usage(): the banner, then the applet's usage text, on stderr, exit 1.
BUSYBOX_BANNER = "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary."
CANT_OPEN = "{applet}: can't open '{path}': {err}"           # bb_perror_msg("can't open '%s'")
CANT_REMOVE = "rm: can't remove '{path}': {err}"                # coreutils/rm.c via remove_file()
RM_IS_DIR = "rm: '{path}' is a directory"                      # libbb/remove_file.c
INVALID_NUMBER = "{applet}: invalid number '{arg}'"              # xatou(): bb_error_msg_and_die
UNRECOGNIZED_OPTION = "{applet}: unrecognized option '{opt}'"   # getopt32 -> glibc getopt_long
INVALID_OPTION = "{applet}: invalid option -- '{opt}'"          # getopt32 (glibc getopt text)
OPTION_REQUIRES_ARG = "{applet}: option requires an argument -- '{opt}'"   # glibc getopt
NUMBER_RANGE = "{applet}: number {arg} is not in {low}..{high} range"      # xatou_range()
BAD_ADDRESS = "{applet}: bad address '{host}'"                             # libbb str2sockaddr()
BAD_PORT = "{applet}: bad port '{port}'"                                   # libbb bb_lookup_port()

# networking/nslookup.c (FEATURE_NSLOOKUP_BIG, busybox 1.36)
NSLOOKUP_USAGE = ("Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n\n"
                  "Query DNS about HOST\n\n"
                  "QUERY_TYPE: soa,ns,a,aaaa,cname,mx,txt,ptr,srv,any")
NSLOOKUP_INVALID_TYPE = 'nslookup: invalid query type "{type}"'
NSLOOKUP_NO_SERVERS = ";; connection timed out; no servers could be reached\n\n"

# networking/wget.c, libbb/xconnect.c
WGET_BAD_ADDRESS = "wget: bad address '{host}'"                                  # str2sockaddr()
WGET_CANT_CONNECT = "wget: can't connect to remote host ({ip}): {err}"           # xconnect()
WGET_SERVER_ERROR = "wget: server returned error: {status_line}"                 # download_one_url()
WGET_TIMED_OUT = "wget: download timed out"                                      # alarm_handler()
WGET_NOT_HTTP = "wget: not an http or ftp url: {url}"                            # parse_url()
WGET_CONNECTING = "Connecting to {host} ({addr})"
WGET_CANT_OPEN_OUT = "wget: can't open '{path}': {err}"
ECONNREFUSED = "Connection refused"
ETIMEDOUT = "Connection timed out"
# Linux gives up on a SYN after tcp_syn_retries=6: about 127 s.
KERNEL_CONNECT_TIMEOUT = 127.0

# --- curl 8 (lib/strerror.c, lib/connect.c, lib/hostip.c) -------------------------------------
CURL_COULDNT_RESOLVE = "curl: (6) Could not resolve host: {host}"
CURL_COULDNT_CONNECT = "curl: (7) Failed to connect to {host} port {port} after {ms} ms: Couldn't connect to server"
CURL_TIMEOUT = "curl: (28) Failed to connect to {host} port {port} after {ms} ms: Timeout was reached"
CURL_HTTP_ERROR = "curl: (22) The requested URL returned error: {status}"
CURL_BAD_URL = "curl: (3) URL rejected: Malformed input to a URL function"
CURL_NO_URL = "curl: no URL specified\ncurl: try 'curl --help' or 'curl --manual' for more information"
CURL_PROGRESS_HEAD = ("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
                      "                                 Dload  Upload   Total   Spent    Left  Speed\n")

# --- BIND 9.18 dig (bin/dig/dighost.c, dig.c) ----------------------------------------------------
DIG_VERSION = "9.18.33"
DIG_NO_SERVERS = ";; connection timed out; no servers could be reached"
DIG_COMM_ERROR = ";; communications error to {server}#{port}: timed out"

# --- getent (glibc nss/getent.c) -----------------------------------------------------------------
GETENT_UNKNOWN_DB = "Unknown database: {db}\nTry `getent --help' or `getent --usage' for more information."

# --- budgets: how a process of the embedded runtime dies (svclab.network.budget) -----------------
# strsignal() texts (glibc and musl agree), which ash prints for a foreground job killed by a
# signal other than SIGINT and SIGPIPE (shell/ash.c sprint_status48() from dowait()).
SIGNAL_DESCRIPTIONS = {
    9: "Killed",
    11: "Segmentation fault",
    24: "CPU time limit exceeded",
    25: "File size limit exceeded",
}
# libbb/messages.c bb_msg_memory_exhausted, printed by bb_die_memory_exhausted() (tools: exit 1)
# and by ash's ckmalloc() through ash_msg_and_raise_error() (the shell: status 2).
OUT_OF_MEMORY = "{applet}: out of memory"
# libbb/xfuncs_printf.c xwrite(): bb_simple_perror_msg_and_die("write error").
WRITE_ERROR = "{applet}: write error: {err}"
ENOSPC = "No space left on device"
EFBIG = "File too large"
# shell/ash.c shellexec(): "%s: %s", argv[0], errmsg(e, "not found") with exit status 126 for
# any errno but ENOENT/ENOTDIR; execve() refuses arguments over ARG_MAX / MAX_ARG_STRLEN (E2BIG).
ASH_EXEC_FAILED = "{arg0}: {cmd}: {err}"
E2BIG = "Argument list too long"
EXIT_CANNOT_EXECUTE = 126
# runc cannot fork the exec'd process when the node is out of pids (EAGAIN from clone()).
RUNC_NO_PROCESSES = "fork/exec {cmd}: resource temporarily unavailable"

# --- applets added for issue 13 (busybox 1.36.1) -------------------------------------------------
# networking/ping.c unpack4(): bb_error_msg("warning: got ICMP %d (%s)") for a non-echo reply.
PING_ICMP_WARNING = "ping: warning: got ICMP {type} ({name})"
# svclab's own text for a program of the image the embedded cluster does not run (tools/image.py).
NOT_EMULATED = "{applet}: applet not emulated by svclab's embedded cluster (busybox 1.36.1 has it: run it on kind)"
# networking/nc_bloaty.c: nc_main() reports "%s (%s) open" and bb_perror_msg("%s (%s)", host,
# dotted) on a failed connect; catch() prints the counts at -vv and "punt!" on SIGINT/SIGTERM.
NC_OPEN = "{host} ({addr}) open"
NC_CONNECT_FAILED = "nc: {host} ({addr}): {err}"
NC_SENT_RECEIVED = "sent {sent}, rcvd {received}"
NC_BIND_FAILED = "nc: bind: Cannot assign requested address"     # xbind() to an address not the pod's
NC_NOT_EMULATED = "nc: {what} is not emulated by svclab's embedded cluster (it works on kind)"
# libbb/executable.c BB_EXECVP_or_die(): bb_perror_msg_and_die("can't execute '%s'"), exit 127 for ENOENT.
CANT_EXECUTE = "{applet}: can't execute '{cmd}': {err}"
