"""The offline upstream's default zone data: the names the course points ExternalName Services at.

Every address is a documentation address (RFC 5737 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24;
RFC 3849 2001:db8::/32), so nothing here can be mistaken for a real host. On kind the same names
are answered by the internet: `example.com` and `www.example.com` exist there (with other, real
addresses); `db.example.com`, `api.example.com`, `mail.example.org` and `legacy.example.net` do
not, so on kind an ExternalName pointing at them gets the CNAME alone (the upstream's NXDOMAIN
adds no records). The private reverse zones answer as the AS112 servers do (RFC 6303, RFC 7534).
"""

DEFAULT_ZONE = """\
; svclab offline upstream: what `forward . /etc/resolv.conf` reaches from the embedded cluster.
$TTL 300
example.com.          3600 IN SOA ns.example.com. hostmaster.example.com. 2026010101 7200 3600 1209600 3600
example.com.          3600 IN NS  ns.example.com.
ns.example.com.            IN A    192.0.2.53
example.com.               IN A    192.0.2.1
example.com.               IN AAAA 2001:db8::1
www.example.com.           IN CNAME example.com.
db.example.com.            IN A    192.0.2.10
db.example.com.            IN A    192.0.2.11
db.example.com.            IN AAAA 2001:db8::10
api.example.com.           IN A    198.51.100.20
example.com.               IN TXT  "v=spf1 -all"
example.org.          3600 IN SOA ns.example.org. hostmaster.example.org. 2026010101 7200 3600 1209600 3600
example.org.               IN A    198.51.100.1
www.example.org.           IN A    198.51.100.1
mail.example.org.          IN A    198.51.100.26
example.net.          3600 IN SOA ns.example.net. hostmaster.example.net. 2026010101 7200 3600 1209600 3600
example.net.               IN A    203.0.113.1
legacy.example.net.        IN A    203.0.113.30
; RFC 6303 locally served reverse zones, as the AS112 servers answer them
10.in-addr.arpa.      604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
168.192.in-addr.arpa. 604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
16.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
17.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
18.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
19.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
20.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
21.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
22.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
23.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
24.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
25.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
26.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
27.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
28.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
29.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
30.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
31.172.in-addr.arpa.  604800 IN SOA prisoner.iana.org. hostmaster.root-servers.org. 1 604800 60 604800 604800
"""
