#!/bin/bash
# lab.sh — the mxprobe real-server test lab on loopback.
#
# Usage: tests/lab/lab.sh start|stop|restart|status|env|verify|clean
#
#   start    generate what is missing (CA, leaf certificates, DNSSEC keys,
#            configs), start every server that is not running, and wait until
#            every listener really answers.  Idempotent and quick on re-run;
#            serialised with flock, so parallel tests may all call it.
#   stop     stop everything this state directory started; wait until no
#            lab address accepts connections.
#   restart  stop, then start.
#   status   one line per listener (ok/FAIL); exit 0 when all answer.
#   env      print `export NAME=value` lines for tests (works when stopped).
#   verify   the acceptance battery: dig and openssl s_client against every
#            name and listener, with the expected outcome of each.
#   clean    stop, then delete the state directory (only if it is one).
#
# State (certs, keys, zone, configs, queue, Maildir, secrets, pid files, logs)
# lives in $MXPROBE_LAB_DIR, default /tmp/mxprobe-lab, never in the source
# tree.  All servers bind loopback addresses only (gnutls-serv, which cannot
# be told an address, runs in a private network namespace of its own and is
# reached through a unix socket); see tests/lab/README.md for the address
# plan.  Only one lab can run on a machine at a time (fixed ports).
#
# Exit status: 0 success; 1 a server failed (its name and log tail are
# printed); 2 the machine cannot run the lab (not root, tool missing).
# Tests: `lab.sh start` then `eval "$(lab.sh env)"`; never call stop from a
# test, other tests may be using the lab.

set -euo pipefail
umask 022

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
D=${MXPROBE_LAB_DIR:-/tmp/mxprobe-lab}
D=${D%/}
PROG="lab.sh"

die() { echo "$PROG: $*" >&2; exit 1; }
unusable() { echo "$PROG: $*" >&2; exit 2; }
note() { echo "$PROG: $*" >&2; }

case "$D" in
/?*) ;;
*) unusable "MXPROBE_LAB_DIR must be an absolute path, got '$D'" ;;
esac
case "$D" in
*[[:space:]]* | *[\'\"\\\$\`]*) unusable "MXPROBE_LAB_DIR must not contain blanks or quotes: '$D'" ;;
esac

CERTS=$D/certs
DNSD=$D/dns
PFCONF=$D/postfix/etc
PFSPOOL=$D/postfix/spool
PFDATA=$D/postfix/data
MAILDIR=$D/mail
LOGS=$D/log
RUN=$D/run
NGINX_DIR=$D/nginx
# MTA-STS (issue 11): the policy hosts mta-sts.NAME.lab.test, served by nginx
MTASTS_ADDR=127.0.0.56
MTASTS_NAMES="stsok stsnocover ststesting ststxtonly stsnotxt"
MARK=$D/.mxprobe-lab

# Bump when the certificate recipe changes: certs are then regenerated.
CERT_VERSION=1
# Validity of the certificates meant to be valid; regenerated when fewer
# than 30 days remain.
LEAF_DAYS=397

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || echo python3)

AUTH_NS=127.0.0.20
RESOLVER=127.0.0.21
NOBODY_UID=65534
NOBODY_GID=65534

# Scripted servers, one line each: NAME MODE ADDRESS PORT [ARGS...].  NAME
# keys the pid file and the log (scripted-NAME.*); MODE is a mode of
# scripted_smtp.py.  The relays forward to real servers: the GnuTLS server
# behind the unix socket GNUTLS_SOCK, and Postfix on 127.0.0.53:10025.
GNUTLS_SOCK=$RUN/gnutls-3des.sock
scripted_list() {
	cat <<EOF
tls454 tls454 127.0.0.41 25
silent silent 127.0.0.42 25
endless endless 127.0.0.43 25
garbage garbage 127.0.0.44 25
slowbanner slowbanner 127.0.0.45 25
reject554 reject554 127.0.0.46 25
tlsfin tlsfin 127.0.0.47 25
tlsrst tlsrst 127.0.0.48 25
tlsalert tlsalert 127.0.0.49 25
tlssilent tlssilent 127.0.0.50 25
intolerant intolerant 127.0.0.53 25 --backend 127.0.0.53:10025
3des-smtps relay 127.0.0.40 465 --backend unix:$GNUTLS_SOCK
3des-smtp starttlsrelay 127.0.0.40 25 --backend unix:$GNUTLS_SOCK --hostname 3des.lab.test
EOF
}
SCRIPTED_NAMES=$(scripted_list | cut -d' ' -f1)

# The GnuTLS server for 3DES and RC4 (Debian's OpenSSL serves neither):
# priority string, and the port it listens on inside its own namespace.
GNUTLS_PRIORITY="NORMAL:+VERS-TLS1.1:+VERS-TLS1.0:+3DES-CBC:+ARCFOUR-128:+SHA1:+RSA"
GNUTLS_PORT=4465

have_ipv6() {
	grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null
}

# Readiness checks, NAME=KIND@ADDR:PORT (see labcheck.py).  The NAME prefix
# before '-' or ':' picks the log shown on failure.
checks() {
	echo "nsd=dnsauth@$AUTH_NS:53"
	echo "unbound=dnsval@$RESOLVER:53"
	echo "postfix:mx1=starttls@127.0.0.31:25"
	have_ipv6 && echo "postfix:mx1-ipv6=starttls@[::1]:25"
	echo "postfix:mx2-selfsigned=starttls@127.0.0.32:25"
	echo "postfix:mx3-nochain=starttls@127.0.0.33:25"
	echo "postfix:mismatch=starttls@127.0.0.34:25"
	echo "postfix:expired=starttls@127.0.0.35:25"
	echo "postfix:notls=notls@127.0.0.36:25"
	echo "postfix:smtp-465=smtps@127.0.0.37:465"
	echo "postfix:smtp-587=starttls@127.0.0.37:587"
	echo "postfix:smtp-2465=smtps@127.0.0.37:2465"
	echo "postfix:smtp-2587=starttls@127.0.0.37:2587"
	echo "postfix:smtp-2525=notls@127.0.0.37:2525"
	echo "postfix:legacy=starttls@127.0.0.38:25"
	echo "postfix:dhe1024=starttls@127.0.0.39:25"
	echo "postfix:dual=starttls@127.0.0.51:25"
	echo "postfix:clientorder=starttls@127.0.0.52:25"
	echo "postfix:intolerant-backend=starttls@127.0.0.53:10025"
	echo "postfix:expiring=starttls@127.0.0.54:25"
	echo "postfix:bigclient=starttls@127.0.0.55:25"
	echo "postfix:intolerant-smtps=smtps@127.0.0.53:10465"
	echo "gnutls=tlsraw@127.0.0.40:465"
	echo "3des-smtp=starttlsraw@127.0.0.40:25"
	echo "tls454=banner220@127.0.0.41:25"
	echo "silent=tcp@127.0.0.42:25"
	echo "endless=banner220@127.0.0.43:25"
	echo "garbage=data@127.0.0.44:25"
	echo "slowbanner=tcp@127.0.0.45:25"
	echo "reject554=banner554@127.0.0.46:25"
	echo "tlsfin=starttlsonly@127.0.0.47:25"
	echo "tlsrst=starttlsonly@127.0.0.48:25"
	echo "tlsalert=starttlsonly@127.0.0.49:25"
	echo "tlssilent=starttlsonly@127.0.0.50:25"
	echo "intolerant=starttlscbc@127.0.0.53:25"
	echo "nginx=tcp@$MTASTS_ADDR:443"
}

log_of() {
	case "$1" in
	nsd) echo "$LOGS/nsd.log" ;;
	unbound) echo "$LOGS/unbound.log" ;;
	postfix:*) echo "$LOGS/postfix.log" ;;
	gnutls) echo "$LOGS/gnutls-3des.log" ;;
	nginx) echo "$LOGS/nginx.log" ;;
	*) echo "$LOGS/scripted-$1.log" ;;
	esac
}

stamp() {
	cat "$LAB_SRC/lab.sh" "$LAB_SRC/scripted_smtp.py" "$LAB_SRC/labcheck.py" \
		"$LAB_SRC/netns_gate.py" |
		sha256sum | cut -c1-16
}

# --- process helpers -------------------------------------------------------

# pid_alive PIDFILE PATTERN: the pid in PIDFILE runs and its command line
# contains PATTERN (so a recycled pid is never mistaken for ours).
# (Builtins only: start's fast path calls this for every server.)
pid_alive() {
	local pid args
	[ -s "$1" ] || return 1
	read -r pid <"$1" 2>/dev/null || [ -n "$pid" ] || return 1
	pid=${pid//[!0-9]/}
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
	mapfile -d '' -t args <"/proc/$pid/cmdline" 2>/dev/null || return 1
	[[ " ${args[*]} " == *"$2"* ]]
}

# gone PID: the process has exited (a zombie that init has not reaped yet
# counts as gone; some inits reap only every few seconds).
gone() {
	[ -d "/proc/$1" ] || return 0
	[ "$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# kill_pidfile PIDFILE PATTERN: TERM, wait up to 5 s, then KILL.
kill_pidfile() {
	local pid
	if pid_alive "$1" "$2"; then
		pid=$(head -n1 "$1" 2>/dev/null | tr -dc 0-9)
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			gone "$pid" && break
			sleep 0.1
		done
		if ! gone "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"; then
			note "pid $pid ($2) ignored TERM; killing"
			kill -KILL "$pid" 2>/dev/null || true
			sleep 0.2
		fi
	fi
	rm -f "$1"
}

postfix_running() {
	[ -f "$PFCONF/main.cf" ] && postfix -c "$PFCONF" status >/dev/null 2>&1
}

nsd_running() { pid_alive "$RUN/nsd.pid" "$DNSD/nsd.conf"; }
unbound_running() { pid_alive "$RUN/unbound.pid" "$DNSD/unbound.conf"; }
scripted_running() { pid_alive "$RUN/scripted-$1.pid" "scripted-$1.pid"; }
gnutls_running() { pid_alive "$RUN/gnutls-3des.pid" "netns_gate.py"; }
nginx_running() { pid_alive "$RUN/nginx.pid" "$NGINX_DIR/nginx.conf"; }

all_running() {
	local m
	postfix_running && nsd_running && unbound_running && gnutls_running &&
		nginx_running || return 1
	for m in $SCRIPTED_NAMES; do
		scripted_running "$m" || return 1
	done
}

# --- preflight --------------------------------------------------------------

preflight() {
	local missing="" t
	[ "$(id -u)" = 0 ] || unusable "must run as root (binds port 25 and 53, runs postfix)"
	for t in postfix:postfix nsd:nsd nsd-checkzone:nsd unbound:unbound \
		unbound-checkconf:unbound ldns-keygen:ldnsutils \
		ldns-signzone:ldnsutils openssl:openssl flock:util-linux \
		sha256sum:coreutils gnutls-serv:gnutls-bin gnutls-cli:gnutls-bin \
		saslpasswd2:sasl2-bin ip:iproute2 nginx:nginx-light; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
	done
	[ -x /usr/lib/postfix/sbin/virtual ] || missing="$missing postfix"
	ls /usr/lib/*/sasl2/libplain.so* >/dev/null 2>&1 ||
		missing="$missing libsasl2-modules"
	ls /usr/lib/*/sasl2/libsasldb.so* >/dev/null 2>&1 ||
		missing="$missing libsasl2-modules-db"
	"$PY" -c 'import ssl' 2>/dev/null || missing="$missing python3"
	if [ -n "$missing" ]; then
		unusable "missing tools; install Debian packages:$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')(see tests/lab/packages.txt)"
	fi
	getent passwd postfix >/dev/null || unusable "user 'postfix' missing (install the postfix package)"
}

# --- certificates -----------------------------------------------------------

utc() { date -u -d "@$(($(date +%s) + $1 * 86400))" +%y%m%d%H%M%SZ; }

write_ca_cnf() {
	cat >"$1" <<'EOF'
# openssl config for the lab CAs; CA_DIR and SAN come from the environment.
[ ca ]
default_ca = lab_ca
[ lab_ca ]
dir = $ENV::CA_DIR
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = policy_any
preserve = yes
unique_subject = no
copy_extensions = none
email_in_dn = no
name_opt = ca_default
cert_opt = ca_default
[ policy_any ]
organizationName = optional
commonName = supplied
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = placeholder
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_int ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
authorityInfoAccess = caIssuers;URI:http://ca.lab.test/root.crt
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName = $ENV::SAN
authorityInfoAccess = caIssuers;URI:http://ca.lab.test/int.crt
[ v3_leaf_ec ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName = $ENV::SAN
authorityInfoAccess = caIssuers;URI:http://ca.lab.test/int.crt
[ v3_self ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = $ENV::SAN
EOF
}

# ca_sign CADIR CACERT CAKEY CSR OUT EXT STARTDAYS ENDDAYS [SAN]
ca_sign() {
	CA_DIR=$1 SAN=${9:-DNS:unused.invalid} openssl ca -batch -notext \
		-config "$T/ca.cnf" -cert "$2" -keyfile "$3" -in "$4" -out "$5" \
		-extensions "$6" -startdate "$(utc "$7")" -enddate "$(utc "$8")" \
		2>>"$T/openssl.log" >/dev/null
}

new_ca_dir() {
	mkdir -p "$1/newcerts"
	: >"$1/index.txt"
	openssl rand -hex 16 >"$1/serial"
}

# leaf NAME CN SAN STARTDAYS ENDDAYS: key + CSR, signed by the intermediate.
leaf() {
	openssl req -new -newkey rsa:2048 -nodes -keyout "$T/$1.key" \
		-subj "/O=mxprobe lab/CN=$2" -config "$T/ca.cnf" -out "$T/$1.csr" \
		2>>"$T/openssl.log"
	ca_sign "$T/ca-int" "$T/int.pem" "$T/int.key" "$T/$1.csr" "$T/$1.crt" \
		v3_leaf "$4" "$5" "$3"
}

certs_ok() {
	local n
	[ "$(cat "$CERTS/.complete" 2>/dev/null)" = "$CERT_VERSION" ] || return 1
	for n in root int mx1 selfsigned nochain mismatch smtp; do
		openssl x509 -in "$CERTS/$n.crt" -noout -checkend $((30 * 86400)) \
			>/dev/null 2>&1 || return 1
	done
}

gen_certs() {
	certs_ok && return 0
	note "generating lab CA and certificates in $CERTS"
	T=$D/certs.new
	rm -rf "$T"
	mkdir -p "$T"
	chmod 700 "$T"
	write_ca_cnf "$T/ca.cnf"
	: >"$T/openssl.log"
	local rc
	export CA_DIR=$T SAN=DNS:unused.invalid
	set +e
	(
		set -e
		# Root: self-signed, 10 years, already valid 1000 days ago.
		new_ca_dir "$T/ca-root"
		openssl req -new -newkey rsa:2048 -nodes -keyout "$T/root.key" \
			-subj "/O=mxprobe lab/CN=mxprobe Lab Root CA" -config "$T/ca.cnf" \
			-out "$T/root.csr" 2>>"$T/openssl.log"
		CA_DIR=$T/ca-root SAN=DNS:unused.invalid openssl ca -batch -notext \
			-selfsign -config "$T/ca.cnf" -keyfile "$T/root.key" \
			-in "$T/root.csr" -out "$T/root.crt" -extensions v3_root \
			-startdate "$(utc -1000)" -enddate "$(utc 3650)" \
			2>>"$T/openssl.log" >/dev/null
		cp "$T/root.crt" "$T/root.pem"
		# Intermediate: pathlen 0, signed by the root.
		new_ca_dir "$T/ca-int"
		openssl req -new -newkey rsa:2048 -nodes -keyout "$T/int.key" \
			-subj "/O=mxprobe lab/CN=mxprobe Lab Intermediate CA" \
			-config "$T/ca.cnf" -out "$T/int.csr" 2>>"$T/openssl.log"
		ca_sign "$T/ca-root" "$T/root.pem" "$T/root.key" "$T/int.csr" \
			"$T/int.crt" v3_int -900 3000
		cp "$T/int.crt" "$T/int.pem"
		# Leafs.  mx1 also names nomx.lab.test: that domain has no MX, its
		# implicit MX (RFC 5321 §5.1) is its own A record 127.0.0.31.
		leaf mx1 mx1.lab.test "DNS:mx1.lab.test,DNS:nomx.lab.test" -1 $LEAF_DAYS
		leaf nochain mx3.lab.test "DNS:mx3.lab.test,DNS:nochain.lab.test" -1 $LEAF_DAYS
		leaf mismatch other.example.net "DNS:other.example.net" -1 $LEAF_DAYS
		leaf expired expired.lab.test "DNS:expired.lab.test" -500 -100
		leaf smtp smtp.lab.test "DNS:smtp.lab.test" -1 $LEAF_DAYS
		# Self-signed leaf for mx2.
		SAN="DNS:mx2.lab.test,DNS:selfsigned.lab.test" openssl req -x509 \
			-new -newkey rsa:2048 -nodes -keyout "$T/selfsigned.key" \
			-subj "/O=mxprobe lab/CN=mx2.lab.test" -days $LEAF_DAYS \
			-config "$T/ca.cnf" -extensions v3_self -out "$T/selfsigned.crt" \
			2>>"$T/openssl.log"
		# What postfix serves (key first, then the chain as sent).
		for n in mx1 mismatch expired smtp; do
			cat "$T/$n.key" "$T/$n.crt" "$T/int.pem" >"$T/$n.chain.pem"
		done
		cat "$T/nochain.key" "$T/nochain.crt" >"$T/nochain.chain.pem"
		cat "$T/selfsigned.key" "$T/selfsigned.crt" >"$T/selfsigned.chain.pem"
		# Trust files for clients.
		cp "$T/root.pem" "$T/ca-bundle.pem"
		cat "$T/root.pem" "$T/int.pem" >"$T/root-and-int.pem"
		# DANE 3 1 1: SHA-256 of mx1's SubjectPublicKeyInfo.
		openssl x509 -in "$T/mx1.crt" -noout -pubkey |
			openssl pkey -pubin -outform DER |
			openssl dgst -sha256 -r | cut -d' ' -f1 >"$T/mx1.tlsa311"
		rm -f "$T"/*.csr
		chmod 600 "$T"/*.key "$T"/*.chain.pem
		chmod 644 "$T"/*.crt "$T"/*.pem "$T/mx1.tlsa311"
		chmod 600 "$T"/*.chain.pem
		chmod 755 "$T"
		echo "$CERT_VERSION" >"$T/.complete"
	)
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		tail -n 20 "$T/openssl.log" >&2
		die "certificate generation failed (log: $T/openssl.log)"
	fi
	rm -rf "$CERTS"
	mv "$T" "$CERTS"
	REGENERATED=1
}

# Leaves added after the first set: NAME:KEYTYPE:DNS-NAME.  They are signed
# by the intermediate already in $CERTS, so adding one never replaces the CA
# that running tests trust; each is (re)made when missing, not signed by the
# current intermediate, or within 30 days of expiry.  dual-ec and dual-rsa are
# the two certificates of one server.
EXTRA_LEAVES="legacy:rsa:legacy.lab.test dhe1024:rsa:dhe1024.lab.test
clientorder:rsa:clientorder.lab.test dual-rsa:rsa:dual.lab.test
dual-ec:ec:dual.lab.test 3des:rsa:3des.lab.test
intolerant:rsa:intolerant.lab.test expiring:rsa:expiring.lab.test
bigclient:rsa:bigclient.lab.test
mtasts-stsok:rsa:mta-sts.stsok.lab.test
mtasts-stsnocover:rsa:mta-sts.stsnocover.lab.test
mtasts-ststesting:rsa:mta-sts.ststesting.lab.test
mtasts-ststxtonly:rsa:mta-sts.ststxtonly.lab.test
mtasts-stsnotxt:rsa:mta-sts.stsnotxt.lab.test"

# expiring.lab.test must always be within 14 days of its end (the
# cert.expiring_soon threshold) and not yet expired: valid for 7 days,
# remade whenever fewer than 3 days are left or more than 14.
EXPIRING_DAYS=7

extra_leaf_ok() {
	if [ "$1" = expiring ]; then
		openssl x509 -in "$CERTS/$1.crt" -noout -checkend $((3 * 86400)) \
			>/dev/null 2>&1 &&
			! openssl x509 -in "$CERTS/$1.crt" -noout \
				-checkend $((14 * 86400)) >/dev/null 2>&1 &&
			[ -s "$CERTS/$1.chain.pem" ] || return 1
	fi
	openssl verify -CAfile "$CERTS/root.pem" -untrusted "$CERTS/int.pem" \
		"$CERTS/$1.crt" >/dev/null 2>&1 &&
		openssl x509 -in "$CERTS/$1.crt" -noout -checkend $((30 * 86400)) \
			>/dev/null 2>&1 && [ -s "$CERTS/$1.chain.pem" ]
}

gen_extra_certs() {
	local e n kt cn ext made=""
	T=$CERTS/extra.new
	# ca.cnf reads both from the environment.
	export CA_DIR=$CERTS/ca-int SAN=DNS:unused.invalid
	for e in $EXTRA_LEAVES; do
		n=${e%%:*}
		kt=${e#*:}
		cn=${kt#*:}
		kt=${kt%%:*}
		extra_leaf_ok "$n" && continue
		rm -rf "$T"
		mkdir -p "$T"
		chmod 700 "$T"
		write_ca_cnf "$T/ca.cnf"
		: >"$T/openssl.log"
		ext=v3_leaf
		if [ "$kt" = ec ]; then
			ext=v3_leaf_ec
			openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
				-nodes -keyout "$T/$n.key" -subj "/O=mxprobe lab/CN=$cn" \
				-config "$T/ca.cnf" -out "$T/$n.csr" 2>>"$T/openssl.log"
		else
			openssl req -new -newkey rsa:2048 -nodes -keyout "$T/$n.key" \
				-subj "/O=mxprobe lab/CN=$cn" -config "$T/ca.cnf" \
				-out "$T/$n.csr" 2>>"$T/openssl.log"
		fi &&
			ca_sign "$CERTS/ca-int" "$CERTS/int.pem" "$CERTS/int.key" \
				"$T/$n.csr" "$T/$n.crt" "$ext" -1 \
				"$([ "$n" = expiring ] && echo $EXPIRING_DAYS || echo $LEAF_DAYS)" \
				"DNS:$cn" || {
			tail -n 20 "$T/openssl.log" >&2
			die "could not make the certificate for $cn (log: $T/openssl.log)"
		}
		cat "$T/$n.key" "$T/$n.crt" "$CERTS/int.pem" >"$T/$n.chain.pem"
		cat "$T/$n.crt" "$CERTS/int.pem" >"$T/$n.certs.pem"
		chmod 600 "$T/$n.key" "$T/$n.chain.pem"
		chmod 644 "$T/$n.crt" "$T/$n.certs.pem"
		mv -f "$T/$n.key" "$T/$n.crt" "$T/$n.chain.pem" "$T/$n.certs.pem" "$CERTS/"
		made="$made $n"
	done
	rm -rf "$T"
	if [ -n "$made" ]; then
		note "made certificates:$made"
		REGENERATED=1
	fi
}

# --- DNS --------------------------------------------------------------------

gen_dns_keys() {
	local k z
	mkdir -p "$DNSD/keys"
	k=$(cat "$DNSD/keys/ksk.name" 2>/dev/null || true)
	z=$(cat "$DNSD/keys/zsk.name" 2>/dev/null || true)
	if [ -n "$k" ] && [ -n "$z" ] && [ -f "$DNSD/keys/$k.private" ] &&
		[ -f "$DNSD/keys/$z.private" ] && [ -f "$DNSD/keys/$k.ds" ]; then
		return 0
	fi
	note "generating DNSSEC keys for lab.test"
	rm -f "$DNSD"/keys/K*
	(cd "$DNSD/keys" && ldns-keygen -a ECDSAP256SHA256 -k lab.test >ksk.name &&
		ldns-keygen -a ECDSAP256SHA256 lab.test >zsk.name) ||
		die "ldns-keygen failed"
	REGENERATED=1
}

# spki_sha256 PEM: the SHA-256 of the certificate's SubjectPublicKeyInfo
# (TLSA selector 1, matching type 1); cert_sha256 PEM: of the whole
# certificate (selector 0, matching type 1).
spki_sha256() {
	openssl x509 -in "$1" -noout -pubkey |
		openssl pkey -pubin -outform DER |
		openssl dgst -sha256 -r | cut -d' ' -f1
}
cert_sha256() {
	openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r |
		cut -d' ' -f1
}

# DANE (issue 11): insecure.lab.test is an unsigned zone, delegated from
# the signed lab.test without a DS (an insecure delegation, proven by
# lab.test's NSEC), served by the same nsd; its TLSA records validate as
# insecure.
write_insecure_zone() {
	local tlsa
	tlsa=$(cat "$CERTS/mx1.tlsa311")
	cat >"$DNSD/insecure.lab.test.zone" <<EOF
; insecure.lab.test — generated by tests/lab/lab.sh; NOT signed (DANE:
; TLSA without DNSSEC, dane.insecure)
\$ORIGIN insecure.lab.test.
\$TTL 300
@           SOA   ns1.lab.test. hostmaster.lab.test. $(date +%s) 3600 600 86400 60
@           NS    ns1.lab.test.
@           MX    10 mx
; mx1's server, and a TLSA that would match it if the zone were signed
mx          A     127.0.0.31
_25._tcp.mx TLSA  3 1 1 $tlsa
EOF
	nsd-checkzone insecure.lab.test "$DNSD/insecure.lab.test.zone" \
		>/dev/null || die "nsd-checkzone rejected insecure.lab.test"
}

write_zone() {
	local tlsa int_spki int_cert
	tlsa=$(cat "$CERTS/mx1.tlsa311")
	int_spki=$(spki_sha256 "$CERTS/int.pem")
	int_cert=$(cert_sha256 "$CERTS/int.pem")
	write_insecure_zone
	cat >"$DNSD/lab.test.zone" <<EOF
; lab.test — generated by tests/lab/lab.sh; signed copy: lab.test.zone.signed,
; served copy (with the deliberately broken signatures): lab.test.zone.served
\$ORIGIN lab.test.
\$TTL 300
@           SOA   ns1.lab.test. hostmaster.lab.test. $(date +%s) 3600 600 86400 60
@           NS    ns1
ns1         A     $AUTH_NS

@           MX    10 mx1
@           MX    20 mx2
@           MX    30 mx3

mx1         A     127.0.0.31
mx1         AAAA  ::1
_25._tcp.mx1 TLSA 3 1 1 $tlsa
mx2         A     127.0.0.32
mx3         A     127.0.0.33

selfsigned  A     127.0.0.32
nochain     A     127.0.0.33
mismatch    A     127.0.0.34
expired     A     127.0.0.35
notls       A     127.0.0.36
smtp        A     127.0.0.37

tls454      A     127.0.0.41
silent      A     127.0.0.42
endless     A     127.0.0.43
garbage     A     127.0.0.44
slowbanner  A     127.0.0.45
reject554   A     127.0.0.46

; TLS defects (issue 3), TLS failures after the ClientHello (issue 2)
legacy      A     127.0.0.38
dhe1024     A     127.0.0.39
3des        A     127.0.0.40
tlsfin      A     127.0.0.47
tlsrst      A     127.0.0.48
tlsalert    A     127.0.0.49
tlssilent   A     127.0.0.50
dual        A     127.0.0.51
clientorder A     127.0.0.52
intolerant  A     127.0.0.53
expiring    A     127.0.0.54
; many suites, client order (the bench's speed endpoint, issue 8)
bigclient   A     127.0.0.55

; a clean run: only the good MX
good        MX    10 mx1
; no MX: RFC 5321 §5.1 implicit MX (mx1's certificate names nomx.lab.test)
nomx        A     127.0.0.31
; RFC 7505 null MX
nullmx      MX    0 .
; second MX has no address (missing.lab.test is NXDOMAIN)
partial     MX    10 mx1
partial     MX    20 missing
; servfail: the RRSIGs over these three RRsets are corrupted after signing,
; so the validating resolver answers SERVFAIL (bogus) for MX, A and AAAA.
servfail    MX    10 mx1
servfail    A     127.0.0.31
servfail    AAAA  ::1
; one MX cannot be resolved (SERVFAIL), the other is fine
bad-mx      MX    10 servfail
bad-mx      MX    20 mx1

; ---- DANE (issue 11; tests/integration/check_dane.sh) ----
; mx1 (above: 3 1 1 of its key) also has DANE-TA 2 1 1 of the intermediate
; it sends: two matching records, dane.ok without dane.single_record.
_25._tcp.mx1 TLSA 2 1 1 $int_spki
; danebad: the MX's TLSA records match nothing mx1's server sends (two
; records of keys nobody has): dane.mismatch, critical, exit 2.
danebad     MX    10 mxdanebad
mxdanebad   A     127.0.0.31
_25._tcp.mxdanebad TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000000
_25._tcp.mxdanebad TLSA 3 1 1 da7ebadda7ebadda7ebadda7ebadda7ebadda7ebadda7ebadda7ebadda7ebad0
; nochain (127.0.0.33 sends its leaf only) with DANE-TA of the
; intermediate it does not send: dane.ta_not_sent.
_25._tcp.nochain TLSA 2 1 1 $int_spki
; nomx (mx1's server, named in its certificate): one record only,
; dane.ok and dane.single_record.
_25._tcp.nomx TLSA 3 1 1 $tlsa
; smtp on 587 (sends the intermediate): DANE-TA only, two records (the
; intermediate's key and its whole certificate), dane.ok.
_587._tcp.smtp TLSA 2 1 1 $int_spki
_587._tcp.smtp TLSA 2 0 1 $int_cert
; danenotls (notls's server, no STARTTLS) with TLSA: dane.no_tls.
danenotls   A     127.0.0.36
_25._tcp.danenotls TLSA 3 1 1 $tlsa
; danepkix (mx1's server): PKIX-EE(1), unusable for SMTP, and a DANE-EE
; SHA-256 of two octets: dane.unsupported_params.
danepkix    A     127.0.0.31
_25._tcp.danepkix TLSA 1 1 1 $tlsa
_25._tcp.danepkix TLSA 3 1 1 abcd
; TLSA in an unsigned zone: insecure.lab.test (no DS: an insecure
; delegation); daneinsecure's MX is secure, its host's TLSA is not.
insecure    NS    ns1
daneinsecure MX   10 mx.insecure

; ---- MTA-STS and TLS-RPT (issue 11; tests/integration/check_mtasts.sh) ----
; the policies are served by nginx on $MTASTS_ADDR:443 (write_nginx_conf)
stsok       MX    10 mx1
_mta-sts.stsok TXT "v=STSv1; id=20261207T000000;"
mta-sts.stsok A   $MTASTS_ADDR
_smtp._tls.stsok TXT "v=TLSRPTv1; rua=mailto:tlsrpt@lab.test,https://tlsrpt.lab.test/v1"
stsnocover  MX    10 mx1
_mta-sts.stsnocover TXT "v=STSv1; id=nocover1;"
mta-sts.stsnocover A $MTASTS_ADDR
ststesting  MX    10 mismatch
_mta-sts.ststesting TXT "v=STSv1; id=testing1;"
mta-sts.ststesting A $MTASTS_ADDR
_smtp._tls.ststesting TXT "v=TLSRPTv1; rua=ftp://tlsrpt.lab.test/"
ststxtonly  MX    10 mx1
_mta-sts.ststxtonly TXT "v=STSv1; id=txtonly1;"
mta-sts.ststxtonly A $MTASTS_ADDR
stsnotxt    MX    10 mx1
mta-sts.stsnotxt A $MTASTS_ADDR
EOF
}

sign_zone() {
	local k z
	k=$(cat "$DNSD/keys/ksk.name")
	z=$(cat "$DNSD/keys/zsk.name")
	ldns-signzone -i "$(date -u -d '-1 day' +%Y%m%d%H%M%S)" \
		-e "$(date -u -d '+400 days' +%Y%m%d%H%M%S)" \
		-f "$DNSD/lab.test.zone.signed" "$DNSD/lab.test.zone" \
		"$DNSD/keys/$k" "$DNSD/keys/$z" || die "ldns-signzone failed"
	# Break the signatures over servfail.lab.test's MX, A and AAAA RRsets by
	# changing the first base64 character of the signature (still valid
	# base64, so nsd loads it; the signature no longer verifies).
	awk 'BEGIN { OFS = "\t" }
		$1 == "servfail.lab.test." && $4 == "RRSIG" &&
		($5 == "MX" || $5 == "A" || $5 == "AAAA") {
			c = substr($NF, 1, 1)
			$NF = (c == "A" ? "B" : "A") substr($NF, 2)
			broken++
		}
		{ print }
		END { if (broken != 3) { print "broke " broken " RRSIGs, wanted 3" > "/dev/stderr"; exit 1 } }' \
		"$DNSD/lab.test.zone.signed" >"$DNSD/lab.test.zone.served.tmp" ||
		die "could not corrupt the servfail.lab.test signatures"
	mv "$DNSD/lab.test.zone.served.tmp" "$DNSD/lab.test.zone.served"
	cp "$DNSD/keys/$k.ds" "$DNSD/lab.test.ds"
	cp "$DNSD/keys/$k.key" "$DNSD/lab.test.dnskey"
	nsd-checkzone lab.test "$DNSD/lab.test.zone.served" >/dev/null ||
		die "nsd-checkzone rejected the served zone"
}

write_nsd_conf() {
	cat >"$DNSD/nsd.conf" <<EOF
# nsd for the mxprobe lab — authoritative for lab.test on $AUTH_NS only.
server:
	ip-address: $AUTH_NS
	port: 53
	do-ip6: no
	server-count: 1
	reuseport: no
	username: ""
	chroot: ""
	zonesdir: "$DNSD"
	database: ""
	zonelistfile: "$DNSD/zone.list"
	xfrdfile: "$DNSD/xfrd.state"
	xfrdir: "$DNSD"
	pidfile: "$RUN/nsd.pid"
	logfile: "$LOGS/nsd.log"
	hide-version: yes
	verbosity: 1
remote-control:
	control-enable: no
zone:
	name: "lab.test"
	zonefile: "$DNSD/lab.test.zone.served"
zone:
	name: "insecure.lab.test"
	zonefile: "$DNSD/insecure.lab.test.zone"
EOF
}

write_unbound_conf() {
	# Root hints naming only the lab's authoritative server, in case unbound
	# ever primes (it should not: "." is forwarded there too).
	cat >"$DNSD/root.hints" <<EOF
.                 3600000 NS ns1.lab.test.
ns1.lab.test.     3600000 A  $AUTH_NS
EOF
	cat >"$DNSD/unbound.conf" <<EOF
# unbound for the mxprobe lab — validating resolver on $RESOLVER; lab.test is
# a stub to nsd on $AUTH_NS and everything else is forwarded there too (nsd
# refuses it), so no query leaves loopback.
server:
	verbosity: 1
	interface: $RESOLVER
	port: 53
	do-ip4: yes
	do-ip6: no
	do-udp: yes
	do-tcp: yes
	outgoing-interface: $RESOLVER
	access-control: 127.0.0.0/8 allow
	access-control: ::1 allow
	do-not-query-localhost: no
	username: ""
	chroot: ""
	directory: "$DNSD"
	pidfile: "$RUN/unbound.pid"
	logfile: "$LOGS/unbound.log"
	use-syslog: no
	log-time-ascii: yes
	val-log-level: 2
	num-threads: 1
	so-reuseport: no
	module-config: "validator iterator"
	root-hints: "$DNSD/root.hints"
	trust-anchor-file: "$DNSD/lab.test.ds"
	qname-minimisation: no
	harden-referral-path: no
	prefetch: no
	cache-max-ttl: 300
	cache-max-negative-ttl: 60
	val-bogus-ttl: 60
	# unbound serves "test." itself as an RFC 6761 special-use zone
	# (always NXDOMAIN); let lab.test through to the stub.
	local-zone: "test." nodefault
remote-control:
	control-enable: no
stub-zone:
	name: "lab.test"
	stub-addr: $AUTH_NS
	stub-prime: no
forward-zone:
	name: "."
	forward-addr: $AUTH_NS
EOF
	unbound-checkconf "$DNSD/unbound.conf" >/dev/null ||
		die "unbound-checkconf rejected $DNSD/unbound.conf"
}

start_nsd() {
	nsd_running && return 0
	write_zone
	sign_zone
	write_nsd_conf
	rm -f "$RUN/nsd.pid"
	nsd -c "$DNSD/nsd.conf" >>"$LOGS/nsd.log" 2>&1 9>&- || {
		tail -n 20 "$LOGS/nsd.log" >&2
		die "nsd failed to start"
	}
}

start_unbound() {
	unbound_running && return 0
	write_unbound_conf
	rm -f "$RUN/unbound.pid"
	unbound -c "$DNSD/unbound.conf" >>"$LOGS/unbound.log" 2>&1 9>&- || {
		tail -n 20 "$LOGS/unbound.log" >&2
		die "unbound failed to start"
	}
}

# --- postfix ----------------------------------------------------------------

PFDH=$D/postfix/dh
SECRETS=$D/secrets
AUTH_USER=labuser
AUTH_PWFILE=$SECRETS/labuser.pw
# The one sender address that the SES-like ports (2587, 2465) accept.
VERIFIED_SENDER=verified@lab.test

# 1024-bit DH primes, as facts (each checked to be a safe prime, g = 2):
# RFC 2409 §6.2, the second Oakley group ("MODP group 2"):
#   2^1024 - 2^960 - 1 + 2^64 * ( [2^894 pi] + 129093 )
DH_RFC2409_G2=FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF
# Postfix's compiled-in 1024-bit group: dh1024_der in src/tls/tls_dh.c of the
# Postfix releases that still shipped a 1024-bit default beside dh512_der
# (generated by `openssl dhparam -2 1024`; Postfix 3.1 and later compile in a
# 2048-bit group instead).
DH_POSTFIX_1024=E25A94E3F7A6732A4F312EF991396D84EE449568C85039829B653BE737BFC791F066155B27AB7E25F6941DFD3BD37829FB632AD087010C3A29AC2059C50188D609F16437631C36BE99C143904A781B06D975826EC49A01033D437FC8CA14774D27C1EF5BE562FBC5411D3001A2AF9AE716D6A2AA93CE95F8940853CD7D45314B

# dh_pem OUT HEXPRIME: a PKCS#3 "DH PARAMETERS" file with g = 2.
dh_pem() {
	printf 'asn1 = SEQUENCE:dh\n[dh]\np = INTEGER:0x%s\ng = INTEGER:2\n' "$2" \
		>"$1.cnf"
	openssl asn1parse -genconf "$1.cnf" -noout -out "$1.der" >/dev/null &&
		openssl dhparam -inform DER -in "$1.der" -out "$1" 2>/dev/null ||
		die "could not write DH parameters $1"
	rm -f "$1.cnf" "$1.der"
}

write_dh_params() {
	mkdir -p "$PFDH"
	dh_pem "$PFDH/rfc2409-group2.pem" "$DH_RFC2409_G2"
	dh_pem "$PFDH/postfix-1024.pem" "$DH_POSTFIX_1024"
	[ -s "$PFDH/ffdhe2048.pem" ] ||
		openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 \
			-out "$PFDH/ffdhe2048.pem" 2>/dev/null ||
		die "could not write the ffdhe2048 parameters"
	chmod 644 "$PFDH"/*.pem
}

# The SMTP AUTH account: a random password made once, kept in a 0600 file
# and never printed; Cyrus SASL's sasldb is rebuilt from it at each start.
write_sasl() {
	mkdir -p "$SECRETS" "$PFCONF/sasl"
	chmod 700 "$SECRETS"
	if [ ! -s "$AUTH_PWFILE" ]; then
		(umask 077 && openssl rand -base64 32 | tr -dc 'A-Za-z0-9' |
			cut -c1-24 | tr -d '\n' >"$AUTH_PWFILE.new") &&
			mv "$AUTH_PWFILE.new" "$AUTH_PWFILE" ||
			die "could not write $AUTH_PWFILE"
	fi
	chmod 600 "$AUTH_PWFILE"
	cat >"$PFCONF/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $PFCONF/sasl/sasldb2
EOF
	rm -f "$PFCONF/sasl/sasldb2"*
	saslpasswd2 -p -f "$PFCONF/sasl/sasldb2" -c -u lab.test "$AUTH_USER" \
		<"$AUTH_PWFILE" || die "saslpasswd2 failed"
	chown root:postfix "$PFCONF/sasl/sasldb2"*
	chmod 640 "$PFCONF/sasl/sasldb2"*
	printf '%s OK\n' "$VERIFIED_SENDER" >"$PFCONF/verified_senders"
	# Every other sender (the null sender is looked up as "<>"), in the
	# words of Amazon SES.
	printf '%s\n' '/^(.*)$/ 554 5.7.1 Message rejected: Email address is not verified. The following identities failed the check in region LAB-1: $1' \
		>"$PFCONF/unverified_senders"
}

# Domains that accept mail; each gets named users and a catch-all.
MAIL_DOMAINS="lab.test good.lab.test nomx.lab.test partial.lab.test bad-mx.lab.test"
MAIL_USERS="postmaster test probe"

write_postfix_conf() {
	local d u
	mkdir -p "$PFCONF"
	cat >"$PFCONF/main.cf" <<EOF
# Postfix for the mxprobe lab (generated by tests/lab/lab.sh).  One instance;
# every listener is bound per address in master.cf with -o overrides.
compatibility_level = 3.6
queue_directory = $PFSPOOL
data_directory = $PFDATA
maillog_file = $LOGS/postfix.log
maillog_file_prefixes = $LOGS
mail_owner = postfix
setgid_group = postdrop

myhostname = mx1.lab.test
mydomain = lab.test
myorigin = lab.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = $(have_ipv6 && echo all || echo ipv4)
mynetworks = 127.0.0.0/8 [::1]/128
smtpd_banner = \$myhostname ESMTP
biff = no
# Client name lookups would wait on the system resolver; not wanted here.
smtpd_peername_lookup = no

# Nothing is ever delivered beyond this machine.
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:local delivery is disabled in the mxprobe lab
default_transport = error:the mxprobe lab does not relay beyond loopback
relay_transport = error:the mxprobe lab does not relay beyond loopback
relay_domains =
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination

# Mail for the lab domains goes to Maildirs under $MAILDIR.
virtual_mailbox_domains = $MAIL_DOMAINS
virtual_mailbox_base = $MAILDIR
virtual_mailbox_maps = texthash:$PFCONF/vmailbox
virtual_uid_maps = static:$NOBODY_UID
virtual_gid_maps = static:$NOBODY_GID
virtual_alias_maps =

# Scanners and parallel probes must not be refused.
default_process_limit = 200
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
smtpd_client_new_tls_session_rate_limit = 0
smtpd_client_auth_rate_limit = 0
smtpd_client_connection_limit_exceptions = 127.0.0.0/8 [::1]/128
smtpd_error_sleep_time = 0s

# TLS defaults (mx1); master.cf overrides them per listener.
smtpd_tls_security_level = may
smtpd_tls_chain_files = $CERTS/mx1.chain.pem
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtpd_tls_session_cache_database =
smtpd_tls_auth_only = yes
# No postmaster notices about lab clients' TLS or protocol errors.
notify_classes =
tls_random_source = dev:/dev/urandom

# SMTP AUTH (Cyrus SASL, sasldb; $PFCONF/sasl/smtpd.conf), switched on per
# listener in master.cf: only the submission ports of smtp.lab.test.
smtpd_sasl_auth_enable = no
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
smtpd_sasl_local_domain = lab.test
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
lab_auth_restrictions = permit_sasl_authenticated, reject
# The SES-like ports: after DATA (where Amazon SES answers), a sender other
# than $VERIFIED_SENDER gets "554 5.7.1 <sender>: Sender address rejected:
# Message rejected: Email address is not verified. The following identities
# failed the check in region LAB-1: sender" (Postfix adds the part up to
# "rejected:" to every access-map rejection; the rest is what SES says).
lab_ses_restrictions = check_sender_access texthash:$PFCONF/verified_senders,
    check_sender_access regexp:$PFCONF/unverified_senders

# TLS defects (master.cf selects them per listener).
lab_protocols_legacy = >=TLSv1, <=TLSv1.1
lab_protocols_tls12 = >=TLSv1.2, <=TLSv1.2
lab_protocols_upto12 = >=TLSv1, <=TLSv1.2
lab_protocols_modern = >=TLSv1.2
lab_ciphers_legacy = DHE-RSA-AES128-SHA:AES128-SHA:@SECLEVEL=0
# (One line each: split over continuation lines, Postfix 3.7 could not set
# these lists, "SSL routines::invalid command".)
lab_ciphers_ecdhe_dhe = $(echo ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-AES128-GCM-SHA256 \
	ECDHE-RSA-AES256-SHA384 ECDHE-RSA-AES128-SHA256 ECDHE-RSA-AES256-SHA \
	ECDHE-RSA-AES128-SHA DHE-RSA-AES256-GCM-SHA384 DHE-RSA-AES128-GCM-SHA256 \
	DHE-RSA-AES256-SHA256 DHE-RSA-AES128-SHA256 DHE-RSA-AES256-SHA \
	DHE-RSA-AES128-SHA @SECLEVEL=0 | tr ' ' :)
lab_ciphers_cbc = ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA:AES256-SHA:AES128-SHA:@SECLEVEL=0
# Every suite OpenSSL has that an RSA certificate can serve (no anonymous
# ones): 44 in TLS 1.2 (ECDHE, DHE and static RSA; AES, CAMELLIA, ARIA,
# CHACHA20, CCM), fewer in TLS 1.0/1.1.
lab_ciphers_all = ALL:!aNULL:@SECLEVEL=0
EOF
	{
		echo "# address -> Maildir (relative to virtual_mailbox_base)"
		for d in $MAIL_DOMAINS; do
			for u in $MAIL_USERS; do
				echo "$u@$d $d/$u/"
			done
			echo "@$d $d/catchall/"
		done
	} >"$PFCONF/vmailbox"

	# Listener rows: address:port name chain extra-options.
	{
		cat <<'EOF'
# master.cf for the mxprobe lab (generated by tests/lab/lab.sh)
# service              type  private unpriv chroot wakeup maxproc command
EOF
		svc() {
			local o
			echo "$1 inet n - n - - smtpd"
			echo "  -o syslog_name=postfix/$2"
			echo "  -o myhostname=$3"
			[ "$4" = none ] || echo "  -o smtpd_tls_chain_files=$CERTS/$4.chain.pem"
			shift 4
			for o in "$@"; do echo "  -o $o"; done
		}
		svc 127.0.0.31:25 mx1 mx1.lab.test mx1 smtpd_tls_security_level=may
		have_ipv6 && svc '[::1]:25' mx1-ipv6 mx1.lab.test mx1 smtpd_tls_security_level=may
		svc 127.0.0.32:25 mx2 mx2.lab.test selfsigned smtpd_tls_security_level=may
		svc 127.0.0.33:25 mx3 mx3.lab.test nochain smtpd_tls_security_level=may
		svc 127.0.0.34:25 mismatch mismatch.lab.test mismatch smtpd_tls_security_level=may
		svc 127.0.0.35:25 expired expired.lab.test expired smtpd_tls_security_level=may
		svc 127.0.0.54:25 expiring expiring.lab.test expiring smtpd_tls_security_level=may
		svc 127.0.0.36:25 notls notls.lab.test none smtpd_tls_security_level=none
		# Submission: AUTH PLAIN/LOGIN only after TLS, mail only when
		# authenticated.  2465/2587 also play Amazon SES: the sender
		# check after DATA.
		local auth='smtpd_sasl_auth_enable=yes smtpd_tls_auth_only=yes
			smtpd_recipient_restrictions=$lab_auth_restrictions
			smtpd_relay_restrictions=$lab_auth_restrictions'
		local ses='smtpd_end_of_data_restrictions=$lab_ses_restrictions'
		# shellcheck disable=SC2086 # word splitting of $auth/$ses wanted
		{
		svc 127.0.0.37:465 smtps smtp.lab.test smtp smtpd_tls_wrappermode=yes \
			smtpd_tls_security_level=encrypt $auth
		svc 127.0.0.37:2465 smtps-alt smtp.lab.test smtp smtpd_tls_wrappermode=yes \
			smtpd_tls_security_level=encrypt $auth $ses
		svc 127.0.0.37:587 submission smtp.lab.test smtp \
			smtpd_tls_security_level=encrypt $auth
		svc 127.0.0.37:2587 submission-alt smtp.lab.test smtp \
			smtpd_tls_security_level=encrypt $auth $ses
		# A legacy appliance's smarthost: AUTH in clear, no TLS at
		# all (what --allow-plaintext-auth is for; the capture test
		# proves the AUTH payload never reaches a pcapng).
		svc 127.0.0.37:2525 submission-clear smtp.lab.test none \
			smtpd_tls_security_level=none smtpd_sasl_auth_enable=yes \
			smtpd_tls_auth_only=no \
			'smtpd_recipient_restrictions=$lab_auth_restrictions' \
			'smtpd_relay_restrictions=$lab_auth_restrictions'
		}
		# TLS 1.0 and 1.1 only; DHE-RSA-AES128-SHA (RFC 2409 group 2,
		# 1024 bits) and static-RSA AES128-SHA.
		svc 127.0.0.38:25 legacy legacy.lab.test legacy \
			smtpd_tls_security_level=may \
			'smtpd_tls_protocols=$lab_protocols_legacy' \
			'smtpd_tls_mandatory_protocols=$lab_protocols_legacy' \
			smtpd_tls_ciphers=high smtpd_tls_mandatory_ciphers=high \
			'tls_high_cipherlist=$lab_ciphers_legacy' \
			"smtpd_tls_dh1024_param_file=$PFDH/rfc2409-group2.pem"
		# The smarthost of issue 3: TLS 1.2 only, server order, ECDHE
		# (P-256) first, then DHE with Postfix's old 1024-bit group.
		svc 127.0.0.39:25 dhe1024 dhe1024.lab.test dhe1024 \
			smtpd_tls_security_level=may \
			'smtpd_tls_protocols=$lab_protocols_tls12' \
			'smtpd_tls_mandatory_protocols=$lab_protocols_tls12' \
			smtpd_tls_ciphers=high smtpd_tls_mandatory_ciphers=high \
			'tls_high_cipherlist=$lab_ciphers_ecdhe_dhe' \
			tls_preempt_cipherlist=yes tls_eecdh_auto_curves=prime256v1 \
			"smtpd_tls_dh1024_param_file=$PFDH/postfix-1024.pem"
		# RSA and ECDSA certificates at once; TLS 1.2 and 1.3.
		svc 127.0.0.51:25 dual dual.lab.test none \
			smtpd_tls_security_level=may \
			"smtpd_tls_chain_files=$CERTS/dual-ec.chain.pem,$CERTS/dual-rsa.chain.pem" \
			'smtpd_tls_protocols=$lab_protocols_modern' \
			'smtpd_tls_mandatory_protocols=$lab_protocols_modern'
		# As dhe1024, but the client's order wins and DHE uses ffdhe2048.
		svc 127.0.0.52:25 clientorder clientorder.lab.test clientorder \
			smtpd_tls_security_level=may \
			'smtpd_tls_protocols=$lab_protocols_tls12' \
			'smtpd_tls_mandatory_protocols=$lab_protocols_tls12' \
			smtpd_tls_ciphers=high smtpd_tls_mandatory_ciphers=high \
			'tls_high_cipherlist=$lab_ciphers_ecdhe_dhe' \
			tls_preempt_cipherlist=no \
			"smtpd_tls_dh1024_param_file=$PFDH/ffdhe2048.pem"
		# The bench's speed endpoint (issue 8): a large suite list in the
		# client's order, TLS 1.0-1.2.
		svc 127.0.0.55:25 bigclient bigclient.lab.test bigclient \
			smtpd_tls_security_level=may \
			'smtpd_tls_protocols=$lab_protocols_upto12' \
			'smtpd_tls_mandatory_protocols=$lab_protocols_upto12' \
			smtpd_tls_ciphers=high smtpd_tls_mandatory_ciphers=high \
			'tls_high_cipherlist=$lab_ciphers_all' \
			smtpd_tls_exclude_ciphers=aNULL tls_preempt_cipherlist=no \
			"smtpd_tls_dh1024_param_file=$PFDH/ffdhe2048.pem"
		# Behind the intolerant front (scripted, 127.0.0.53:25): TLS up to
		# 1.2, CBC suites only.  10025 is the STARTTLS listener the front
		# relays to; 10465 the same in wrapper mode, for direct tests.
		local cbc='smtpd_tls_protocols=$lab_protocols_upto12
			smtpd_tls_mandatory_protocols=$lab_protocols_upto12
			smtpd_tls_ciphers=high smtpd_tls_mandatory_ciphers=high
			tls_high_cipherlist=$lab_ciphers_cbc
			smtpd_discard_ehlo_keywords=chunking'
		# shellcheck disable=SC2086
		{
		svc 127.0.0.53:10025 intolerant intolerant.lab.test intolerant \
			smtpd_tls_security_level=may $cbc
		svc 127.0.0.53:10465 intolerant-smtps intolerant.lab.test intolerant \
			smtpd_tls_wrappermode=yes smtpd_tls_security_level=encrypt $cbc
		}
		cat <<'EOF'
pickup     unix  n - n 60   1 pickup
cleanup    unix  n - n -    0 cleanup
qmgr       unix  n - n 300  1 qmgr
tlsmgr     unix  - - n 1000? 1 tlsmgr
rewrite    unix  - - n -    - trivial-rewrite
bounce     unix  - - n -    0 bounce
defer      unix  - - n -    0 bounce
trace      unix  - - n -    0 bounce
verify     unix  - - n -    1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -    - proxymap
proxywrite unix  - - n -    1 proxymap
smtp       unix  - - n -    - smtp
relay      unix  - - n -    - smtp
showq      unix  n - n -    - showq
error      unix  - - n -    - error
retry      unix  - - n -    - error
discard    unix  - - n -    - discard
local      unix  - n n -    - local
virtual    unix  - n n -    - virtual
lmtp       unix  - - n -    - lmtp
anvil      unix  - - n -    1 anvil
scache     unix  - - n -    1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
	} >"$PFCONF/master.cf"
}

start_postfix() {
	postfix_running && return 0
	write_dh_params
	write_sasl
	write_postfix_conf
	mkdir -p "$PFSPOOL" "$PFDATA" "$MAILDIR"
	chown root:root "$PFSPOOL"
	chmod 755 "$PFSPOOL"
	chown postfix:postfix "$PFDATA"
	chmod 700 "$PFDATA"
	chown "$NOBODY_UID:$NOBODY_GID" "$MAILDIR"
	chmod 755 "$MAILDIR"
	touch "$LOGS/postfix.log"
	postfix -c "$PFCONF" start >>"$LOGS/postfix-start.log" 2>&1 9>&- || {
		tail -n 20 "$LOGS/postfix-start.log" "$LOGS/postfix.log" >&2
		die "postfix failed to start"
	}
}

# --- scripted servers -------------------------------------------------------

# wait_pidfiles WHAT NAME:PIDFILE:PID...: each server writes its pid file once
# it listens; one that exits first failed (its log tail is shown).
wait_pidfiles() {
	local what=$1 m p pending dead=""
	shift
	pending="$*"
	for _ in $(seq 100); do
		m=""
		for p in $pending; do
			if [ -s "$(echo "$p" | cut -d: -f2)" ]; then
				:
			elif kill -0 "${p##*:}" 2>/dev/null; then
				m="$m $p"
			else
				dead="$dead ${p%%:*}"
			fi
		done
		pending=$m
		[ -n "$pending" ] || break
		sleep 0.1
	done
	for m in $dead; do
		echo "FAIL $m: $what exited at start"
	done | report_failures
	[ -z "$dead" ] || die "$what failed to start:$dead"
}

start_scripted() {
	local name mode addr port args pending=""
	while read -r name mode addr port args; do
		scripted_running "$name" && continue
		rm -f "$RUN/scripted-$name.pid"
		# shellcheck disable=SC2086 # $args is a word list
		setsid "$PY" "$LAB_SRC/scripted_smtp.py" "$mode" "$addr:$port" $args \
			--pidfile "$RUN/scripted-$name.pid" \
			</dev/null >>"$LOGS/scripted-$name.log" 2>&1 9>&- &
		pending="$pending $name:$RUN/scripted-$name.pid:$!"
	done < <(scripted_list)
	# shellcheck disable=SC2086
	wait_pidfiles scripted_smtp.py $pending
}

# gnutls-serv has no option for the address it binds: it listens on every
# address.  So it runs in a network namespace of its own (netns_gate.py
# unshares one: no interface but that namespace's own lo), and the gate
# hands its port out through the unix socket $GNUTLS_SOCK, which the relays
# on 127.0.0.40 (scripted_smtp.py relay/starttlsrelay) connect to.
start_gnutls() {
	gnutls_running && return 0
	rm -f "$RUN/gnutls-3des.pid" "$GNUTLS_SOCK"
	setsid "$PY" "$LAB_SRC/netns_gate.py" \
		--unix "$GNUTLS_SOCK" --port "$GNUTLS_PORT" \
		--pidfile "$RUN/gnutls-3des.pid" -- \
		gnutls-serv --quiet --port="$GNUTLS_PORT" \
		--priority="$GNUTLS_PRIORITY" --disable-client-cert --echo --crlf \
		--x509certfile="$CERTS/3des.certs.pem" \
		--x509keyfile="$CERTS/3des.key" \
		</dev/null >>"$LOGS/gnutls-3des.log" 2>&1 9>&- &
	wait_pidfiles "gnutls-serv (netns_gate.py)" \
		"gnutls:$RUN/gnutls-3des.pid:$!"
}

# --- MTA-STS (issue 11): nginx serves the policies over HTTPS ---------------

# mta_sts_policy NAME: the policy file served for mta-sts.NAME.lab.test
# (none for ststxtonly: its fetch gets 404).
mta_sts_policy() {
	case "$1" in
	stsok | stsnotxt) printf 'version: STSv1\r\nmode: enforce\r\nmx: mx1.lab.test\r\nmax_age: 604800\r\n' ;;
	stsnocover) printf 'version: STSv1\r\nmode: enforce\r\nmx: mail.stsnocover.lab.test\r\nmx: *.other.lab.test\r\nmax_age: 604800\r\n' ;;
	ststesting) printf 'version: STSv1\nmode: testing\nmx: mismatch.lab.test\nmax_age: 86400\n' ;;
	esac
}

write_nginx_conf() {
	local n
	rm -rf "$NGINX_DIR"
	mkdir -p "$NGINX_DIR/tmp"
	{
		cat <<EOF
# generated by tests/lab/lab.sh: MTA-STS policies on $MTASTS_ADDR:443 only
worker_processes 1;
pid $RUN/nginx.pid;
error_log $LOGS/nginx.log;
events { worker_connections 256; }
http {
	access_log $LOGS/nginx-access.log;
	client_body_temp_path $NGINX_DIR/tmp/body;
	proxy_temp_path $NGINX_DIR/tmp/proxy;
	fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
	uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
	scgi_temp_path $NGINX_DIR/tmp/scgi;
	server_tokens off;
	types { }
	default_type application/octet-stream;
	server {
		listen $MTASTS_ADDR:443 ssl default_server;
		server_name _;
		ssl_certificate $CERTS/mtasts-stsok.certs.pem;
		ssl_certificate_key $CERTS/mtasts-stsok.key;
		return 404;
	}
EOF
		for n in $MTASTS_NAMES; do
			mkdir -p "$NGINX_DIR/www/$n/.well-known"
			mta_sts_policy "$n" >"$NGINX_DIR/www/$n/.well-known/mta-sts.txt"
			[ -s "$NGINX_DIR/www/$n/.well-known/mta-sts.txt" ] ||
				rm -f "$NGINX_DIR/www/$n/.well-known/mta-sts.txt"
			cat <<EOF
	server {
		listen $MTASTS_ADDR:443 ssl;
		server_name mta-sts.$n.lab.test;
		ssl_certificate $CERTS/mtasts-$n.certs.pem;
		ssl_certificate_key $CERTS/mtasts-$n.key;
		root $NGINX_DIR/www/$n;
		location = /.well-known/mta-sts.txt { default_type text/plain; }
		location / { return 404; }
	}
EOF
		done
		echo "}"
	} >"$NGINX_DIR/nginx.conf"
	nginx -t -q -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" \
		-e "$LOGS/nginx.log" 2>>"$LOGS/nginx.log" ||
		die "nginx -t rejected $NGINX_DIR/nginx.conf (log: $LOGS/nginx.log)"
}

start_nginx() {
	nginx_running && return 0
	write_nginx_conf
	rm -f "$RUN/nginx.pid"
	nginx -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -e "$LOGS/nginx.log" \
		</dev/null >>"$LOGS/nginx.log" 2>&1 9>&- || {
		tail -n 20 "$LOGS/nginx.log" >&2
		die "nginx failed to start"
	}
}

# --- subcommands ------------------------------------------------------------

# The lock is fd 9; every daemon is started with 9>&- so none inherits it.
lock() {
	mkdir -p "$D"
	exec 9>>"$D/.lock"
	flock -w 300 9 || die "could not get the lab lock $D/.lock within 300 s"
}

report_failures() {
	local line name log shown=" "
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		echo "$PROG: $line" >&2
		name=${line#FAIL }
		name=${name%% *}
		name=${name%%=*}
		name=${name%:}
		log=$(log_of "$name")
		case "$shown" in *" $log "*) continue ;; esac
		shown="$shown$log "
		if [ -f "$log" ]; then
			echo "---- last lines of $log ----" >&2
			tail -n 15 "$log" >&2
			echo "----" >&2
		fi
	done
}

cmd_start() {
	local out rc cur all
	preflight
	lock
	cur=$(stamp)
	if [ -f "$RUN/stamp" ] && [ "$(cat "$RUN/stamp")" = "$cur" ] && all_running; then
		# Fast path: everything ours is up and was fully checked when it
		# started; check that DNS validates and every port still accepts.
		local fast
		mapfile -t fast < <(checks | sed '/=dns/!s/=[a-z0-9]*@/=tcp@/')
		if "$PY" "$LAB_SRC/labcheck.py" --timeout 5 "${fast[@]}" >/dev/null 2>&1; then
			return 0
		fi
	elif [ -f "$RUN/stamp" ] && [ "$(cat "$RUN/stamp")" != "$cur" ]; then
		note "lab definition changed since it was started; restarting it"
		stop_all
	fi
	mkdir -p "$CERTS" "$DNSD" "$LOGS" "$RUN"
	touch "$MARK"
	chmod 755 "$D"

	REGENERATED=0
	gen_certs
	gen_extra_certs
	gen_dns_keys
	if [ "$REGENERATED" = 1 ]; then
		# New certificates or DNSSEC keys: servers still running would
		# serve the old ones (and the TLSA record would not match).
		stop_all
	fi

	# Something else on our ports (another lab, the distribution's own
	# postfix or unbound) would make our servers fail to bind: say so.
	local busy
	busy=$(
		all_running && exit 0
		{ nsd_running || echo "nsd=tcp@$AUTH_NS:53"
		  unbound_running || echo "unbound=tcp@$RESOLVER:53"
		  postfix_running || checks | grep '^postfix:'
		  nginx_running || echo "nginx=tcp@$MTASTS_ADDR:443"
		  scripted_list | while read -r name _ addr port _; do
			scripted_running "$name" || echo "$name=tcp@$addr:$port"
		  done; } | {
			mapfile -t c
			[ ${#c[@]} -eq 0 ] || "$PY" "$LAB_SRC/labcheck.py" --down --once "${c[@]}" || true
		}
	)
	if [ -n "$busy" ]; then
		echo "$busy" | sed 's/^/  /' >&2
		command -v ss >/dev/null && ss -ltnpH 2>/dev/null |
			grep -E '(127\.0\.0\.(2[01]|3[1-9]|4[0-9]|5[0-6])|\[::1\]):(25|53|443|465|587|2465|2525|2587|10025|10465) ' |
			sed 's/^/  /' >&2
		die "lab ports are already taken by processes this lab did not start (another MXPROBE_LAB_DIR, or a distribution service)"
	fi

	start_nsd
	start_unbound
	start_postfix
	start_gnutls
	start_scripted
	start_nginx

	set +e
	mapfile -t all < <(checks)
	out=$("$PY" "$LAB_SRC/labcheck.py" --timeout 30 "${all[@]}")
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		echo "$out" | report_failures
		die "lab did not come up (state: $D)"
	fi
	echo "$cur" >"$RUN/stamp"
	note "lab is up (state: $D)"
}

stop_all() {
	local m
	if postfix_running; then
		postfix -c "$PFCONF" stop >>"$LOGS/postfix-start.log" 2>&1 ||
			postfix -c "$PFCONF" abort >>"$LOGS/postfix-start.log" 2>&1 || true
	fi
	kill_pidfile "$PFSPOOL/pid/master.pid" "master"
	for m in $SCRIPTED_NAMES; do
		kill_pidfile "$RUN/scripted-$m.pid" "scripted-$m.pid"
	done
	kill_pidfile "$RUN/gnutls-3des.pid" "netns_gate.py"
	kill_pidfile "$RUN/nginx.pid" "$NGINX_DIR/nginx.conf"
	kill_pidfile "$RUN/unbound.pid" "$DNSD/unbound.conf"
	kill_pidfile "$RUN/nsd.pid" "$DNSD/nsd.conf"
	rm -f "$RUN/stamp"
}

cmd_stop() {
	local out all
	[ -d "$D" ] || return 0
	[ "$(id -u)" = 0 ] || unusable "must run as root"
	lock
	stop_all
	mapfile -t all < <(checks)
	if ! out=$("$PY" "$LAB_SRC/labcheck.py" --down --timeout 10 "${all[@]}"); then
		echo "$out" >&2
		die "something still listens on a lab address after stop"
	fi
	note "lab stopped"
}

cmd_status() {
	echo "state directory: $D"
	[ -f "$RUN/stamp" ] && echo "started with definition $(cat "$RUN/stamp")"
	local all
	mapfile -t all < <(checks)
	"$PY" "$LAB_SRC/labcheck.py" --once --verbose "${all[@]}"
}

cmd_env() {

	q() { printf 'export %s=%q\n' "$1" "$2"; }
	q MXPROBE_LAB_DIR "$D"
	q MXPROBE_LAB_RESOLVER "$RESOLVER"
	q MXPROBE_LAB_AUTH_NS "$AUTH_NS"
	q MXPROBE_LAB_DOMAIN lab.test
	q MXPROBE_LAB_CA "$CERTS/ca-bundle.pem"
	q MXPROBE_LAB_ROOT_AND_INT "$CERTS/root-and-int.pem"
	q MXPROBE_LAB_INT_CA "$CERTS/int.pem"
	q MXPROBE_LAB_CERTS "$CERTS"
	q MXPROBE_LAB_TRUST_ANCHOR "$DNSD/lab.test.ds"
	q MXPROBE_LAB_TRUST_ANCHOR_DNSKEY "$DNSD/lab.test.dnskey"
	q MXPROBE_LAB_MAILDIR "$MAILDIR"
	q MXPROBE_LAB_POSTFIX_CONFIG "$PFCONF"
	q MXPROBE_LAB_LOGDIR "$LOGS"
	q MXPROBE_LAB_IPV6 "$(have_ipv6 && echo 1 || echo 0)"
	# SMTP AUTH on smtp.lab.test: the user, and the path of the 0600 file
	# that holds the password (never the password itself).
	q MXPROBE_LAB_AUTH_USER "$AUTH_USER"
	q MXPROBE_LAB_AUTH_PWFILE "$AUTH_PWFILE"
	q MXPROBE_LAB_VERIFIED_SENDER "$VERIFIED_SENDER"
	q MXPROBE_LAB_DH_DIR "$PFDH"
}

cmd_clean() {
	[ -d "$D" ] || return 0
	[ -f "$MARK" ] || die "$D does not look like a lab state directory (no $MARK); not deleting it"
	cmd_stop
	rm -rf "$D"
	note "removed $D"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
restart) cmd_stop && cmd_start ;;
status) cmd_status ;;
env) cmd_env ;;
verify) exec bash "$LAB_SRC/verify.sh" ;;
clean) cmd_clean ;;
*)
	echo "usage: $0 start|stop|restart|status|env|verify|clean" >&2
	exit 2
	;;
esac
