package ccaas

// Operator is a super admin of the whole installation: operators create the
// tenants. They belong to no tenant.
type Operator struct {
	ID           int64  `db:"id"`
	Username     string `db:"username"`
	PasswordHash string `db:"password_hash"`
}
