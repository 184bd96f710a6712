package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
)

// ErrAsteriskNotReady says what Asterisk lacks for the contact center.
var ErrAsteriskNotReady = errors.New("asterisk is not set up for ccaas")

// preflight checks, once Asterisk answers, that it has the modules the app
// needs and that ARI may push agent endpoints (sorcery.conf maps res_pjsip
// endpoint/auth/aor to a writable memory store). It says exactly what is
// missing. If Asterisk does not answer within wait, it only warns: the app
// keeps trying to connect, and the check is the operator's next step.
func preflight(ctx context.Context, client *ari.Client, log *slog.Logger, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, err := client.Ping(pctx)
		cancel()
		if err == nil {
			break
		}
		if errors.Is(err, ari.ErrUnauthorized) {
			return fmt.Errorf("%w: ARI refused the credentials (ari.conf user and password, --ari-user, CCAAS_ARI_PASSWORD)", ErrAsteriskNotReady)
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			log.Warn("Asterisk does not answer yet; starting anyway, /healthz says 503 until it does", "err", err)
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	var problems []string
	mods, err := client.Modules(ctx)
	if err != nil {
		return fmt.Errorf("list Asterisk modules: %w", err)
	}
	running := make(map[string]bool, len(mods))
	for _, m := range mods {
		running[m.Name] = strings.EqualFold(m.Status, "Running")
	}
	var missing []string
	for _, name := range app.RequiredModules {
		if !running[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, "modules not loaded: "+strings.Join(missing, ", ")+
			" (build them, and load them in modules.conf: see asterisk-etc/modules.conf)")
	}
	if err := probePushConfig(ctx, client); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w:\n  - %s", ErrAsteriskNotReady, strings.Join(problems, "\n  - "))
	}
	log.Info("Asterisk has what ccaas needs", "modules", len(app.RequiredModules))
	return nil
}

// probePushConfig creates and deletes a throwaway auth object: the same push
// configuration the app uses for every agent login.
func probePushConfig(ctx context.Context, client *ari.Client) error {
	id := fmt.Sprintf("ccaas-preflight-%d", time.Now().UnixNano())
	_, err := client.PutConfig(ctx, "res_pjsip", "auth", id, []ari.ConfigTuple{
		{Attribute: "auth_type", Value: "userpass"}, {Attribute: "username", Value: id}, {Attribute: "password", Value: id},
	})
	switch {
	case errors.Is(err, ari.ErrForbidden):
		return errors.New("ARI may not create PJSIP objects: sorcery.conf must stack a memory store under res_pjsip " +
			"endpoint, auth and aor (copy asterisk-etc/sorcery.conf, restart Asterisk)")
	case errors.Is(err, ari.ErrNotFound):
		return errors.New("push configuration for res_pjsip is not available: is res_pjsip loaded?")
	case err != nil:
		return fmt.Errorf("push configuration probe: %w", err)
	}
	if err := client.DeleteConfig(ctx, "res_pjsip", "auth", id); err != nil {
		return fmt.Errorf("push configuration probe (delete): %w", err)
	}
	return nil
}
