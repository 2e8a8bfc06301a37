package main

import (
	"context"
	"errors"
	"time"

	"golang.org/x/sync/errgroup"

	"countybrief/pipeline"
	"countybrief/pipeline/workspace"
	"countybrief/web"
)

// runServe runs batches on the schedule of config.yaml until SIGINT or
// SIGTERM (pipeline.Serve), and with --http the web desk beside them
// (web.New). Exit status: 0 after a stop; 2 when the workspace, rules or
// templates cannot be loaded at start, or --tls-cert comes without
// --tls-key; 1 otherwise.
func runServe(ctx context.Context, e *env, args []string) error {
	var dir, addr, cert, key string
	var poll time.Duration
	var verbose bool
	fs := newFlags("serve", e, &dir)
	fs.DurationVar(&poll, "poll", 0, e.tr("在定時運行之間每隔多久收一次新文件（例如 5m）；0 為不收"))
	fs.BoolVar(&verbose, "v", true, e.tr("在終端上列出每個文件的處理情況"))
	fs.StringVar(&addr, "http", "", e.tr("同時開網上報送，在這個`地址`上（例如 :8443）；不寫則不開"))
	fs.StringVar(&cert, "tls-cert", "", e.tr("網上報送用的 TLS 證書`文件`（PEM）；有它才用 HTTPS"))
	fs.StringVar(&key, "tls-key", "", e.tr("網上報送用的 TLS 私鑰`文件`（PEM）"))
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if (cert == "") != (key == "") {
		return e.usageError("--tls-cert 和 --tls-key 要一起寫")
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	log, closeLog, err := newLogger(e, ws.LogsDir(), ws.Config.Location(), verbose, false)
	if err != nil {
		return err
	}
	defer closeLog()
	g, gctx := errgroup.WithContext(ctx)
	if addr != "" {
		desk, err := web.New(ws, web.Config{Log: log, TLS: cert != ""})
		if err != nil {
			return err
		}
		defer desk.Close()
		if cert == "" {
			e.println(e.stderr, "注意：網上報送沒有用 HTTPS（--tls-cert、--tls-key）：密碼和報表在網絡上是明文，只宜在可信的內部網絡上用。")
		}
		g.Go(func() error { return web.ListenAndServe(gctx, addr, web.TLSFiles{Cert: cert, Key: key}, desk, log) })
	}
	g.Go(func() error {
		return pipeline.Serve(gctx, dir, pipeline.ServeOptions{Poll: poll, Log: log, Reloaded: func(ws *workspace.Workspace) { limitMemory(ws.Config) }})
	})
	err = g.Wait()
	if errors.Is(err, pipeline.ErrConfig) {
		return configError(err)
	}
	return err
}
