package ccaas

import "testing"

func TestSupervises(t *testing.T) {
	sup := Agent{ID: 1, TenantID: 1, Role: RoleSupervisor, Team: " Sales North, billing ,"}
	for _, c := range []struct {
		name  string
		sup   Agent
		other Agent
		want  bool
	}{
		{"same team", sup, Agent{ID: 2, TenantID: 1, Team: "Sales North"}, true},
		{"second team, other case", sup, Agent{ID: 3, TenantID: 1, Team: "Billing"}, true},
		{"other team", sup, Agent{ID: 4, TenantID: 1, Team: "Sales South"}, false},
		{"no team", sup, Agent{ID: 5, TenantID: 1}, false},
		{"other tenant", sup, Agent{ID: 6, TenantID: 2, Team: "Sales North"}, false},
		{"themselves", sup, sup, false},
		{"an agent leads nobody", Agent{ID: 7, TenantID: 1, Role: RoleAgent, Team: "Sales North"}, Agent{ID: 2, TenantID: 1, Team: "Sales North"}, false},
		{"supervisor without team", Agent{ID: 8, TenantID: 1, Role: RoleSupervisor}, Agent{ID: 9, TenantID: 1}, false},
	} {
		if got := c.sup.Supervises(c.other); got != c.want {
			t.Errorf("%s: Supervises = %v, want %v", c.name, got, c.want)
		}
	}
}
