# Vault policy tiktokmall-pki: what cert-manager may do once logged in as cert-manager-tiktokmall.
# Sign CSRs with the role tiktokmall of the mount pki_int, and nothing else (no issue, no
# root or role changes, no other mount).
path "pki_int/sign/tiktokmall" {
  capabilities = ["create", "update"]
}
