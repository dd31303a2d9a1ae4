#!/bin/sh
# make-loop-chain.sh DIR: a signing key and a chain that loops: the leaf
# is issued by CA A, A by CA B, B by A again (signing-key.pem,
# signing-chain.pem = leaf, A, B; B.pem alone). For the hostile-input
# tests of `dokpim verify`.
set -e
cd "$1"
for n in A B; do openssl ecparam -name prime256v1 -genkey -noout -out $n.key; done
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > ca.cnf
openssl req -new -key A.key -subj "/CN=Loop A/O=Loop" -out A.csr
openssl req -new -key B.key -subj "/CN=Loop B/O=Loop" -out B.csr
openssl req -x509 -new -key B.key -subj "/CN=Loop B/O=Loop" -days 30 -out B0.pem
openssl x509 -req -in A.csr -CA B0.pem -CAkey B.key -set_serial 1 -extfile ca.cnf -days 30 -out A.pem
openssl x509 -req -in B.csr -CA A.pem -CAkey A.key -set_serial 2 -extfile ca.cnf -days 30 -out B.pem
openssl ecparam -name prime256v1 -genkey -noout -out leaf.tmp
openssl pkcs8 -topk8 -nocrypt -in leaf.tmp -out signing-key.pem
rm leaf.tmp
openssl req -new -key signing-key.pem -subj "/CN=Loop Leaf/O=Loop" -out leaf.csr
printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nauthorityKeyIdentifier=keyid\n' > leaf.cnf
openssl x509 -req -in leaf.csr -CA A.pem -CAkey A.key -set_serial 3 -extfile leaf.cnf -days 30 -out leaf.pem
cat leaf.pem A.pem B.pem > signing-chain.pem
