#!/bin/sh
# Regenerates the fixed test certificates (run from this directory). They are fixed files,
# not rcgen output, because ring cannot generate RSA keys (rsa1024-sha1) and the snapshot
# tests need byte-identical certificates (fingerprints) on every run (ca.pem, leaf.pem).
set -e
openssl req -x509 -newkey rsa:1024 -sha1 -nodes -keyout rsa1024-sha1.key -out rsa1024-sha1.pem \
  -days 36500 -subj "/CN=weak.example.com" -addext "subjectAltName=DNS:weak.example.com" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -days 36500 -subj "/O=smtpx test/CN=smtpx fixed CA" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr \
  -subj "/CN=mx.example.com" 2>/dev/null
cat > leaf.ext <<'X'
subjectAltName=DNS:mx.example.com,DNS:*.mail.example.com,IP:192.0.2.25,email:postmaster@example.com
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
basicConstraints=CA:FALSE
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
authorityInfoAccess=OCSP;URI:http://ocsp.example.com,caIssuers;URI:http://ca.example.com/ca.der
crlDistributionPoints=URI:http://crl.example.com/ca.crl
certificatePolicies=2.23.140.1.2.1,1.3.6.1.4.1.99999.1
tlsfeature=status_request
X
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 0x1234 -sha256 \
  -days 1800 -extfile leaf.ext -out leaf.pem 2>/dev/null
rm -f leaf.csr leaf.ext
