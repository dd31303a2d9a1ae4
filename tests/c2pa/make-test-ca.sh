#!/bin/sh
# make-test-ca.sh DIR: a test office CA and an ES256 signing certificate
# with what a C2PA validator requires (digitalSignature, emailProtection,
# O=, AKI/SKI), in the layout `dokpim keys init` writes: signing-key.pem
# (mode 0600), signing-chain.pem (leaf, then the root), ca-cert.pem.
set -e
cd "$1"
openssl ecparam -name prime256v1 -genkey -noout -out ca-key.pem
openssl req -x509 -new -key ca-key.pem -sha256 -days 3650 \
  -subj "/CN=Test Office Root CA/O=Test Office" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" -out ca-cert.pem
openssl ecparam -name prime256v1 -genkey -noout -out key.tmp
openssl pkcs8 -topk8 -nocrypt -in key.tmp -out signing-key.pem
rm key.tmp
chmod 600 signing-key.pem ca-key.pem
openssl req -new -key signing-key.pem -out signing.csr \
  -subj "/CN=Test Office Signing/O=Test Office/OU=Prokompim"
cat > ext.cnf <<EOT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=emailProtection
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
EOT
openssl x509 -req -in signing.csr -CA ca-cert.pem -CAkey ca-key.pem \
  -CAcreateserial -days 730 -sha256 -extfile ext.cnf -out leaf.pem 2> /dev/null
cat leaf.pem ca-cert.pem > signing-chain.pem
rm -f signing.csr ext.cnf leaf.pem ca-cert.srl
