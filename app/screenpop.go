package app

import (
	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/screenpop"
)

// The screen pop: the tenant's URL template (package screenpop), filled in
// with a call's values for each agent offered it. The page opens it.

// setScreenPop parses the tenant's template when its loop starts or its
// configuration changes. The admin pages and commands refuse a template
// that does not parse, so one that fails here (a key removed behind their
// back) is logged and means no screen pop.
func (t *tenant) setScreenPop(cfg ccaas.TenantConfig) {
	keys := make([]string, len(cfg.Variables))
	for i, v := range cfg.Variables {
		keys[i] = v.Key
	}
	tpl, err := screenpop.Parse(cfg.Settings.ScreenPopURL, keys)
	if err != nil {
		t.log.Error("the screen pop is off: its template does not parse", "err", err)
	}
	t.pop = tpl
}

// screenPop is the address ag's page opens for c, offered to them: for calls
// with a customer (calls between agents have nobody to look up; the agent
// who dials out is never offered the call).
func (t *tenant) screenPop(c *call, ag *agent) *cti.ScreenPopView {
	if t.pop == nil || c.customer == "" {
		return nil
	}
	on := ccaas.ScreenPopOnAnswer
	if t.cfg.Settings.ScreenPopOn == ccaas.ScreenPopOnOffer {
		on = ccaas.ScreenPopOnOffer
	}
	url := t.pop.Expand(func(name string) string {
		switch name {
		case screenpop.Caller:
			return c.caller.Number
		case screenpop.Name:
			return c.caller.Name
		case screenpop.Queue:
			if c.queue != nil {
				return c.queue.Name
			}
			return ""
		case screenpop.DID:
			return c.did
		case screenpop.Call:
			return string(c.id)
		case screenpop.Agent:
			return ag.cfg.Username
		}
		for _, d := range c.data {
			if d.Key == name {
				return d.Value
			}
		}
		return ""
	})
	return &cti.ScreenPopView{URL: url, On: on}
}
