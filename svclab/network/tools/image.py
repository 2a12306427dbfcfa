"""What the busybox:1.36.1 image installs, and what running a program svclab does not emulate does.

The official image (docker-library/busybox, ``latest/glibc`` — the variant the plain ``1.36.1``
tag points to) builds busybox 1.36.1 with ``make defconfig`` plus four settings (``CONFIG_AR``,
``CONFIG_FEATURE_AR_CREATE``, ``CONFIG_FEATURE_AR_LONG_FILENAMES``, ``CONFIG_LAST_SUPPORTED_WCHAR=0``,
and ``CONFIG_FEATURE_SYNC_FANCY`` off), then runs ``busybox --install /bin``: every applet of that
configuration becomes a hard link in /bin, next to ``busybox`` itself and Debian's ``getconf``, and
``/usr/bin/env`` links to ``/bin/env``. ``BUSYBOX_BIN`` below is that /bin, 405 names: the applet list
``make busybox.links`` prints for the same configuration of the 1_36_1 tag, sorted as ``ls`` sorts it.

svclab emulates some of them (svclab.network.tools.EMULATED). The others are listed, exist as files
and are found by ``which`` and the shell, as in the real image; running one prints, on stderr::

    vi: applet not emulated by svclab's embedded cluster (busybox 1.36.1 has it: run it on kind)

and exits 126, the shell's status for a program that was found but could not be executed: the
command exists, but this cluster cannot run it. That is svclab's own message, not busybox's.
"""

from __future__ import annotations

from svclab.network import messages
from svclab.network.tools.base import Invocation, Tool

BUSYBOX_BIN: tuple[str, ...] = tuple("""
    [ [[ acpid add-shell addgroup adduser adjtimex ar arch arp arping ascii ash awk base32
    base64 basename bc beep blkdiscard blkid blockdev bootchartd brctl bunzip2 busybox bzcat
    bzip2 cal cat chat chattr chgrp chmod chown chpasswd chpst chroot chrt chvt cksum clear cmp
    comm conspy cp cpio crc32 crond crontab cryptpw cttyhack cut date dc dd deallocvt delgroup
    deluser depmod devmem df dhcprelay diff dirname dmesg dnsd dnsdomainname dos2unix dpkg
    dpkg-deb du dumpkmap dumpleases echo ed egrep eject env envdir envuidgid ether-wake expand
    expr factor fakeidentd fallocate false fatattr fbset fbsplash fdflush fdformat fdisk
    fgconsole fgrep find findfs flock fold free freeramdisk fsck fsck.minix fsfreeze fstrim
    fsync ftpd ftpget ftpput fuser getconf getopt getty grep groups gunzip gzip halt hd hdparm
    head hexdump hexedit hostid hostname httpd hush hwclock i2cdetect i2cdump i2cget i2cset
    i2ctransfer id ifconfig ifdown ifenslave ifplugd ifup inetd init insmod install ionice
    iostat ip ipaddr ipcalc ipcrm ipcs iplink ipneigh iproute iprule iptunnel kbd_mode kill
    killall killall5 klogd last less link linux32 linux64 linuxrc ln loadfont loadkmap logger
    login logname logread losetup lpd lpq lpr ls lsattr lsmod lsof lspci lsscsi lsusb lzcat lzma
    lzop makedevs makemime man md5sum mdev mesg microcom mim mkdir mkdosfs mke2fs mkfifo
    mkfs.ext2 mkfs.minix mkfs.vfat mknod mkpasswd mkswap mktemp modinfo modprobe more mount
    mountpoint mpstat mt mv nameif nanddump nandwrite nbd-client nc netstat nice nl nmeter nohup
    nologin nproc nsenter nslookup ntpd od openvt partprobe passwd paste patch pgrep pidof ping
    ping6 pipe_progress pivot_root pkill pmap popmaildir poweroff powertop printenv printf ps
    pscan pstree pwd pwdx raidautorun rdate rdev readahead readlink readprofile realpath reboot
    reformime remove-shell renice reset resize resume rev rm rmdir rmmod route rpm rpm2cpio
    rtcwake run-init run-parts runlevel runsv runsvdir rx script scriptreplay sed seedrng
    sendmail seq setarch setconsole setfattr setfont setkeycodes setlogcons setpriv setserial
    setsid setuidgid sh sha1sum sha256sum sha3sum sha512sum showkey shred shuf slattach sleep
    smemcap softlimit sort split ssl_client start-stop-daemon stat strings stty su sulogin sum
    sv svc svlogd svok swapoff swapon switch_root sync sysctl syslogd tac tail tar taskset tc
    tcpsvd tee telnet telnetd test tftp tftpd time timeout top touch tr traceroute traceroute6
    tree true truncate ts tsort tty ttysize tunctl ubiattach ubidetach ubimkvol ubirename
    ubirmvol ubirsvol ubiupdatevol udhcpc udhcpc6 udhcpd udpsvd uevent umount uname unexpand
    uniq unix2dos unlink unlzma unshare unxz unzip uptime users usleep uudecode uuencode vconfig
    vi vlock volname w wall watch watchdog wc wget which who whoami whois xargs xxd xz xzcat yes
    zcat zcip
""".split())

# Where each applet would live without a DIR for --install (``busybox --list-full``); the rest: bin/.
INSTALL_DIRS: dict[str, str] = {
    "linuxrc": "",
    **dict.fromkeys("""
    acpid adjtimex arp blkid blockdev bootchartd depmod devmem fbsplash fdisk findfs freeramdisk
    fsck fsck.minix fstrim getty halt hdparm hwclock ifconfig ifdown ifenslave ifup init insmod
    ip ipaddr iplink ipneigh iproute iprule iptunnel klogd loadkmap logread losetup lsmod
    makedevs mdev mkdosfs mke2fs mkfs.ext2 mkfs.minix mkfs.vfat mkswap modinfo modprobe nameif
    pivot_root poweroff raidautorun reboot rmmod route run-init runlevel setconsole slattach
    start-stop-daemon sulogin swapoff swapon switch_root sysctl syslogd tc tunctl udhcpc uevent
    vconfig watchdog zcip
    """.split(), "sbin/"),
    **dict.fromkeys("""
    [ [[ ar ascii awk basename bc beep blkdiscard bunzip2 bzcat bzip2 cal chpst chrt chvt cksum
    clear cmp comm crc32 crontab cryptpw cut dc deallocvt diff dirname dos2unix dpkg dpkg-deb du
    dumpleases eject env envdir envuidgid expand expr factor fallocate fgconsole find flock fold
    free ftpget ftpput fuser groups hd head hexdump hexedit hostid id install ipcrm ipcs killall
    last less logger logname lpq lpr lsof lspci lsscsi lsusb lzcat lzma man md5sum mesg microcom
    mkfifo mkpasswd nc nl nmeter nohup nproc nsenter nslookup od openvt passwd paste patch pgrep
    pkill pmap printf pscan pstree pwdx readlink realpath renice reset resize rpm2cpio runsv
    runsvdir rx script seq setfattr setkeycodes setsid setuidgid sha1sum sha256sum sha3sum
    sha512sum showkey shred shuf smemcap softlimit sort split ssl_client strings sum sv svc svok
    tac tail taskset tcpsvd tee telnet test tftp time timeout top tr traceroute traceroute6 tree
    truncate ts tsort tty ttysize udhcpc6 udpsvd unexpand uniq unix2dos unlink unlzma unshare
    unxz unzip uptime users uudecode uuencode vlock volname w wall wc wget which who whoami
    whois xargs xxd xz xzcat yes
    """.split(), "usr/bin/"),
    **dict.fromkeys("""
    add-shell addgroup adduser arping brctl chat chpasswd chroot crond delgroup deluser
    dhcprelay dnsd ether-wake fakeidentd fbset fdformat fsfreeze ftpd httpd i2cdetect i2cdump
    i2cget i2cset i2ctransfer ifplugd inetd killall5 loadfont lpd mim nanddump nandwrite
    nbd-client nologin ntpd partprobe popmaildir powertop rdate rdev readahead readprofile
    remove-shell rtcwake seedrng sendmail setfont setlogcons svlogd telnetd tftpd ubiattach
    ubidetach ubimkvol ubirename ubirmvol ubirsvol ubiupdatevol udhcpd
    """.split(), "usr/sbin/"),
}

NOT_EMULATED_STATUS = 126


async def not_emulated(inv: Invocation) -> int:
    """A program of the image that the embedded cluster cannot run: say so plainly."""
    inv.errln(messages.NOT_EMULATED.format(applet=inv.name))
    return NOT_EMULATED_STATUS


def with_help(tool: Tool, usage: str) -> Tool:
    """``APPLET --help [...]``: busybox shows the usage before the applet runs, and exits 0."""

    async def applet(inv: Invocation) -> int:
        if inv.args[:1] == ["--help"]:
            inv.usage(usage)
            return 0
        return await tool(inv)

    applet.__doc__ = tool.__doc__
    return applet


def busybox_files() -> dict[str, bytes]:
    """The image's programs as files: /bin/NAME for each, and the /usr/bin/env link.

    They are empty: a hard link to the 1 MB busybox binary holds nothing svclab could run, and an
    empty file costs nothing of the pod's filesystem budget."""
    files = {f"/bin/{name}": b"" for name in BUSYBOX_BIN}
    files["/usr/bin/env"] = b""
    return files


def program_files(names: list[str], extra: set[str]) -> dict[str, bytes]:
    """Another image's programs as files: the busybox applets in /bin, the others in /usr/bin."""
    return {(f"/usr/bin/{name}" if name in extra else f"/bin/{name}"): b"" for name in names}


def applet_list_text(width: int = 80) -> str:
    """``busybox`` with no arguments: the banner, usage, and the applets wrapped as busybox_main()
    wraps them (``output_width`` is 80 when stderr is not a terminal)."""
    head = (f"{messages.BUSYBOX_BANNER}\n"
            "BusyBox is copyrighted by many authors between 1998-2015.\n"
            "Licensed under GPLv2. See source distribution for detailed\n"
            "copyright notices.\n\n"
            "Usage: busybox [function [arguments]...]\n"
            "   or: busybox --list[-full]\n"
            "   or: busybox --show SCRIPT\n"
            "   or: busybox --install [-s] [DIR]\n"
            "   or: function [arguments]...\n\n"
            "\tBusyBox is a multi-call binary that combines many common Unix\n"
            "\tutilities into a single executable.  Most people will create a\n"
            "\tlink to busybox for each function they wish to use and BusyBox\n"
            "\twill act like whatever it was invoked as.\n\n"
            "Currently defined functions:\n")
    out: list[str] = []
    col = 0
    limit = width - 1
    for name in APPLETS:
        size = len(name) + 2
        if col >= limit - size:
            out.append(",\n")
            col = 0
        if col == 0:
            col = 6
            out.append("\t")
        else:
            out.append(", ")
        out.append(name)
        col += size
    return head + "".join(out) + "\n"


APPLETS: tuple[str, ...] = tuple(name for name in BUSYBOX_BIN if name not in ("busybox", "getconf"))


def multicall(table: dict[str, Tool]) -> Tool:
    """The ``busybox`` program itself: ``busybox APPLET ARGS``, ``--list``, ``--list-full``, or
    with no arguments the list of applets."""

    async def busybox(inv: Invocation) -> int:
        args = inv.args
        if not args or args[0] == "--help" and len(args) == 1:
            await inv.write(applet_list_text().encode())
            return 0
        if args[0].startswith("--list"):
            full = args[0] == "--list-full"
            await inv.write("".join((INSTALL_DIRS.get(name, "bin/") if full else "") + f"{name}\n"
                                     for name in APPLETS).encode())
            return 0
        if args[0] == "--help":
            args = [args[1], "--help"]
        name = args[0]
        if name in ("sh", "ash"):   # the shell is not a tool of the table: ash's main
            from svclab.network.shell import run_shell   # the shell imports the tools
            return await run_shell([name, *args[1:]], inv.env, table, inv.budget, inv.stdin, inv.stdout, inv.stderr,
                                   inv.environ, inv.cwd)
        tool = table.get(name) if name in APPLETS else None
        if tool is None:
            inv.errln(f"{name}: applet not found")
            return messages.EXIT_NOT_FOUND
        sub = Invocation(argv=[name, *args[1:]], env=inv.env, environ=inv.environ, cwd=inv.cwd, budget=inv.budget,
                         stdin=inv.stdin, stdout=inv.stdout, stderr=inv.stderr)
        return await tool(sub)

    return busybox
