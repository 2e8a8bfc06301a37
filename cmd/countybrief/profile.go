package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// profiling is run's --cpuprofile, --memprofile and --trace, so that a
// slow night can be diagnosed on the office's own machine and files with
// `go tool pprof` and `go tool trace` (bench/README.md says how). The
// trace shows what a profile cannot: which stretches of the batch ran on
// one core while the other waited.
type profiling struct {
	cpu, mem, trace    string
	cpuFile, traceFile *os.File
}

func (p *profiling) register(e *env, fs *flag.FlagSet) {
	fs.StringVar(&p.cpu, "cpuprofile", "", e.tr("把這次運行的 CPU 性能剖析寫到這個文件（供 go tool pprof 分析）"))
	fs.StringVar(&p.mem, "memprofile", "", e.tr("運行結束時把內存分配剖析寫到這個文件（供 go tool pprof 分析）"))
	fs.StringVar(&p.trace, "trace", "", e.tr("把這次運行的執行軌跡寫到這個文件（供 go tool trace 分析，看哪些階段只用了一個核）"))
}

// start begins the CPU profile and the trace before the workspace is
// loaded: start-up (fonts, templates) is part of what a slow night costs.
func (p *profiling) start(e *env) error {
	if p.cpu != "" {
		f, err := os.Create(p.cpu)
		if err != nil {
			return e.errorf("無法寫入性能剖析文件 %s：%v", p.cpu, err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return e.errorf("無法寫入性能剖析文件 %s：%v", p.cpu, err)
		}
		p.cpuFile = f
	}
	if p.trace != "" {
		f, err := os.Create(p.trace)
		if err != nil {
			p.stopCPU()
			return e.errorf("無法寫入性能剖析文件 %s：%v", p.trace, err)
		}
		if err := trace.Start(f); err != nil {
			f.Close()
			p.stopCPU()
			return e.errorf("無法寫入性能剖析文件 %s：%v", p.trace, err)
		}
		p.traceFile = f
	}
	return nil
}

// stopCPU stops the CPU profile, if one runs, and closes its file.
func (p *profiling) stopCPU() error {
	if p.cpuFile == nil {
		return nil
	}
	pprof.StopCPUProfile()
	err := p.cpuFile.Close()
	p.cpuFile = nil
	return err
}

// finish stops the CPU profile and writes the memory profile. A failure
// to write them is reported only when the batch itself succeeded: the
// batch's own error matters more to the office.
func (p *profiling) finish(e *env, err *error) {
	var failed error
	if p.traceFile != nil {
		trace.Stop()
		if terr := p.traceFile.Close(); terr != nil {
			failed = e.errorf("無法寫入性能剖析文件 %s：%v", p.trace, terr)
		}
	}
	if cerr := p.stopCPU(); cerr != nil && failed == nil {
		failed = e.errorf("無法寫入性能剖析文件 %s：%v", p.cpu, cerr)
	}
	if p.mem != "" {
		if merr := writeMemProfile(p.mem); merr != nil && failed == nil {
			failed = e.errorf("無法寫入性能剖析文件 %s：%v", p.mem, merr)
		}
	}
	if *err == nil {
		*err = failed
	}
}

// writeMemProfile writes the allocs profile: its default view is every
// byte allocated during the run (what the garbage collector had to
// handle), and -sample_index=inuse_space shows what was live at the end.
func writeMemProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC() // the in-use figures are those of the last collection
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("write memory profile: %w", err)
	}
	return f.Close()
}
