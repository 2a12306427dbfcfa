"""busybox 1.36.1 usage texts (FEATURE_VERBOSE_USAGE, as the busybox image builds it), verbatim.

Each is what ``APPLET --help`` prints on stderr after the banner and an empty line; a bad option
prints the same after the getopt message (exit 1). Taken from the applets' ``//usage:`` blocks with
the image's configuration (FEATURE_FANCY_PING, NC_110_COMPAT, DESKTOP ps, FEATURE_IP_*).
"""

from __future__ import annotations

PING_USAGE = (
    'Usage: ping [OPTIONS] HOST\n'
    '\n'
    'Send ICMP ECHO_REQUESTs to HOST\n'
    '\n'
    '\t-4,-6\t\tForce IP or IPv6 name resolution\n'
    '\t-c CNT\t\tSend only CNT pings\n'
    '\t-s SIZE\t\tSend SIZE data bytes in packets (default 56)\n'
    '\t-i SECS\t\tInterval\n'
    '\t-A\t\tPing as soon as reply is received\n'
    '\t-t TTL\t\tSet TTL\n'
    '\t-I IFACE/IP\tSource interface or IP address\n'
    '\t-W SEC\t\tSeconds to wait for the first response (default 10)\n'
    '\t\t\t(after all -c CNT packets are sent)\n'
    '\t-w SEC\t\tSeconds until ping exits (default:infinite)\n'
    '\t\t\t(can exit earlier with -c CNT)\n'
    '\t-q\t\tQuiet, only display output at start/finish\n'
    '\t-p HEXBYTE\tPayload pattern'
)

NC_USAGE = (
    'Usage: nc [OPTIONS] HOST PORT  - connect\n'
    'nc [OPTIONS] -l -p PORT [HOST] [PORT]  - listen\n'
    '\n'
    '\t-e PROG\tRun PROG after connect (must be last)\n'
    '\t-l\tListen mode, for inbound connects\n'
    '\t-lk\tWith -e, provides persistent server\n'
    '\t-p PORT\tLocal port\n'
    '\t-s ADDR\tLocal address\n'
    '\t-w SEC\tTimeout for connects and final net reads\n'
    '\t-i SEC\tDelay interval for lines sent\n'
    "\t-n\tDon't do DNS resolution\n"
    '\t-u\tUDP mode\n'
    '\t-b\tAllow broadcasts\n'
    '\t-v\tVerbose\n'
    '\t-o FILE\tHex dump traffic\n'
    '\t-z\tZero-I/O mode (scanning)'
)

IP_USAGE = (
    'Usage: ip [OPTIONS] address|route|link|tunnel|neigh|rule [ARGS]\n'
    '\n'
    'OPTIONS := -f[amily] inet|inet6|link | -o[neline]\n'
    '\n'
    'ip addr add|del IFADDR dev IFACE | show|flush [dev IFACE] [to PREFIX]\n'
    'ip route list|flush|add|del|change|append|replace|test ROUTE\n'
    'ip link set IFACE [up|down] [arp on|off] [multicast on|off]\n'
    '\t[promisc on|off] [mtu NUM] [name NAME] [qlen NUM] [address MAC]\n'
    '\t[master IFACE | nomaster] [netns PID]\n'
    'ip tunnel add|change|del|show [NAME]\n'
    '\t[mode ipip|gre|sit] [remote ADDR] [local ADDR] [ttl TTL]\n'
    'ip neigh show|flush [to PREFIX] [dev DEV] [nud STATE]\n'
    'ip rule [list] | add|del SELECTOR ACTION'
)

PS_USAGE = (
    'Usage: ps [-o COL1,COL2=HEADER] [-T]\n'
    '\n'
    'Show list of processes\n'
    '\n'
    '\t-o COL1,COL2=HEADER\tSelect columns for display\n'
    '\t-T\t\t\tShow threads'
)

ENV_USAGE = (
    'Usage: env [-i0] [-u NAME]... [-] [NAME=VALUE]... [PROG ARGS]\n'
    '\n'
    'Print current environment or run PROG after setting up environment\n'
    '\n'
    '\t-, -i\tStart with empty environment\n'
    '\t-0\tNUL terminated output\n'
    '\t-u NAME\tRemove variable from environment'
)

WHICH_USAGE = (
    'Usage: which [-a] COMMAND...\n'
    '\n'
    'Locate COMMAND\n'
    '\n'
    '\t-a\tShow all matches'
)

TR_USAGE = (
    'Usage: tr [-cds] STRING1 [STRING2]\n'
    '\n'
    'Translate, squeeze, or delete characters from stdin, writing to stdout\n'
    '\n'
    '\t-c\tTake complement of STRING1\n'
    '\t-d\tDelete input characters coded STRING1\n'
    '\t-s\tSqueeze multiple output characters of STRING2 into one character'
)

SED_USAGE = (
    'Usage: sed [-i[SFX]] [-nrE] [-f FILE]... [-e CMD]... [FILE]...\n'
    'or: sed [-i[SFX]] [-nrE] CMD [FILE]...\n'
    '\n'
    '\t-e CMD\tAdd CMD to sed commands to be executed\n'
    '\t-f FILE\tAdd FILE contents to sed commands to be executed\n'
    '\t-i[SFX]\tEdit files in-place (otherwise write to stdout)\n'
    '\t\tOptionally back files up, appending SFX\n'
    '\t-n\tSuppress automatic printing of pattern space\n'
    '\t-r,-E\tUse extended regex syntax\n'
    '\n'
    'If no -e or -f, the first non-option argument is the sed command string.\n'
    'Remaining arguments are input files (stdin if none).'
)

AWK_USAGE = (
    'Usage: awk [OPTIONS] [AWK_PROGRAM] [FILE]...\n'
    '\n'
    '\t-v VAR=VAL\tSet variable\n'
    '\t-F SEP\t\tUse SEP as field separator\n'
    '\t-f FILE\t\tRead program from FILE\n'
    '\t-e AWK_PROGRAM'
)

CUT_USAGE = (
    'Usage: cut [OPTIONS] [FILE]...\n'
    '\n'
    'Print selected fields from FILEs to stdout\n'
    '\n'
    '\t-b LIST\tOutput only bytes from LIST\n'
    '\t-c LIST\tOutput only characters from LIST\n'
    '\t-d SEP\tField delimiter for input (default -f TAB, -F run of whitespace)\n'
    '\t-O SEP\tField delimeter for output (default = -d for -f, one space for -F)\n'
    "\t-D\tDon't sort/collate sections or match -fF lines without delimeter\n"
    '\t-f LIST\tPrint only these fields (-d is single char)\n'
    '\t-F LIST\tPrint only these fields (-d is regex)\n'
    '\t-s\tOutput only lines containing delimiter\n'
    '\t-n\tIgnored'
)

GZIP_USAGE = (
    'Usage: gzip [-cfkdt] [FILE]...\n'
    '\n'
    'Compress FILEs (or stdin)\n'
    '\n'
    '\t-d\tDecompress\n'
    '\t-c\tWrite to stdout\n'
    '\t-f\tForce\n'
    '\t-k\tKeep input files\n'
    '\t-t\tTest integrity'
)

GUNZIP_USAGE = (
    'Usage: gunzip [-cfkt] [FILE]...\n'
    '\n'
    'Decompress FILEs (or stdin)\n'
    '\n'
    '\t-c\tWrite to stdout\n'
    '\t-f\tForce\n'
    '\t-k\tKeep input files\n'
    '\t-t\tTest integrity'
)

ZCAT_USAGE = (
    'Usage: zcat [FILE]...\n'
    '\n'
    'Decompress to stdout'
)

UPTIME_USAGE = (
    'Usage: uptime\n'
    '\n'
    'Display the time since the last boot'
)

CLEAR_USAGE = (
    'Usage: clear\n'
    '\n'
    'Clear screen'
)

IPADDR_USAGE = (
    'Usage: ipaddr add|del IFADDR dev IFACE | show|flush [dev IFACE] [to PREFIX]\n'
    '\n'
    'ipaddr add|change|replace|delete dev IFACE [CONFFLAG-LIST] IFADDR\n'
    '\tIFADDR := PREFIX | ADDR peer PREFIX [broadcast ADDR|+|-]\n'
    '\t\t[anycast ADDR] [label STRING] [scope SCOPE]\n'
    '\tPREFIX := ADDR[/MASK]\n'
    '\tSCOPE := [host|link|global|NUMBER]\n'
    '\tCONFFLAG-LIST := [CONFFLAG-LIST] CONFFLAG\n'
    '\tCONFFLAG := [noprefixroute]\n'
    'ipaddr show|flush [dev IFACE] [scope SCOPE] [to PREFIX] [label PATTERN]'
)

IPLINK_USAGE = (
    'Usage: iplink set IFACE [up|down] [arp on|off] [multicast on|off]\n'
    '\t[promisc on|off] [mtu NUM] [name NAME] [qlen NUM] [address MAC]\n'
    '\t[master IFACE | nomaster] [netns PID]\n'
    'iplink add [link IFACE] IFACE [address MAC] type TYPE [ARGS]\n'
    'iplink delete IFACE type TYPE [ARGS]\n'
    '\tTYPE ARGS := vlan VLANARGS | vrf table NUM\n'
    '\tVLANARGS := id VLANID [protocol 802.1q|802.1ad] [reorder_hdr on|off]\n'
    '\t\t[gvrp on|off] [mvrp on|off] [loose_binding on|off]\n'
    'iplink show [IFACE]'
)

IPROUTE_USAGE = (
    'Usage: iproute list|flush|add|del|change|append|replace|test ROUTE\n'
    '\n'
    'iproute list|flush SELECTOR\n'
    '\tSELECTOR := [root PREFIX] [match PREFIX] [proto RTPROTO]\n'
    '\tPREFIX := default|ADDR[/MASK]\n'
    'iproute get ADDR [from ADDR iif IFACE]\n'
    '\t[oif IFACE] [tos TOS]\n'
    'iproute add|del|change|append|replace|test ROUTE\n'
    '\tROUTE := NODE_SPEC [INFO_SPEC]\n'
    '\tNODE_SPEC := PREFIX [table TABLE_ID] [proto RTPROTO] [scope SCOPE] [metric METRIC]\n'
    '\tINFO_SPEC := NH OPTIONS\n'
    '\tNH := [via [inet|inet6] ADDR] [dev IFACE] [src ADDR] [onlink]\n'
    '\tOPTIONS := [mtu [lock] NUM] [advmss [lock] NUM]'
)

IPRULE_USAGE = (
    'Usage: iprule [list] | add|del SELECTOR ACTION\n'
    '\n'
    '\tSELECTOR := [from PREFIX] [to PREFIX] [tos TOS] [fwmark FWMARK[/MASK]]\n'
    '\t\t\t[dev IFACE] [pref NUMBER]\n'
    '\tACTION := [table TABLE_ID] [nat ADDR]\n'
    '\t\t\t[prohibit|reject|unreachable]\n'
    '\t\t\t[realms [SRCREALM/]DSTREALM]\n'
    '\tTABLE_ID := [local|main|default|NUMBER]'
)

IPNEIGH_USAGE = (
    'Usage: ipneigh show|flush [to PREFIX] [dev DEV] [nud STATE]'
)

IPTUNNEL_USAGE = (
    'Usage: iptunnel add|change|del|show [NAME]\n'
    '\t[mode ipip|gre|sit] [remote ADDR] [local ADDR] [ttl TTL]\n'
    '\n'
    'iptunnel add|change|del|show [NAME]\n'
    '\t[mode ipip|gre|sit] [remote ADDR] [local ADDR]\n'
    '\t[[i|o]seq] [[i|o]key KEY] [[i|o]csum]\n'
    '\t[ttl TTL] [tos TOS] [[no]pmtudisc] [dev PHYS_DEV]'
)

PRINTENV_USAGE = (
    'Usage: printenv [VARIABLE]...\n'
    '\n'
    'Print environment VARIABLEs.\n'
    'If no VARIABLE specified, print all.'
)

YES_USAGE = (
    'Usage: yes [STRING]\n'
    '\n'
    "Repeatedly print a line with STRING, or 'y'"
)
