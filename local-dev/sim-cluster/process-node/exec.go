package main

// Turning a container spec into a local command: volumes become per-pod
// directories and paths that point into them are rewritten (see README).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
)

// pathMap maps container paths (volume mountPaths, terminationMessagePath)
// to host paths; the longest matching prefix wins.
type pathMap []struct{ container, host string }

// rewrite replaces every occurrence of a mapped container path in v that
// stands as a path of its own: at the start or after a separator such as
// space, '=', ':' or a quote (so "--out=/work/x", "a:/work/b" and shell
// scripts are covered), and followed by the end, '/' or a separator. One
// pass, so a replacement is never rewritten again.
func (m pathMap) rewrite(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); {
		if i == 0 || strings.IndexByte(pathBefore, v[i-1]) >= 0 {
			if e, ok := m.matchAt(v, i); ok {
				b.WriteString(e.host)
				i += len(e.container)
				continue
			}
		}
		b.WriteByte(v[i])
		i++
	}
	return b.String()
}

const (
	pathBefore = " \t\n=:'\"(;,>|&"
	pathAfter  = "/ \t\n'\":;),|&<>"
)

func (m pathMap) matchAt(v string, i int) (struct{ container, host string }, bool) {
	for _, e := range m { // longest container path first
		c := strings.TrimSuffix(e.container, "/")
		if c == "" || !strings.HasPrefix(v[i:], c) {
			continue
		}
		end := i + len(c)
		if end == len(v) || strings.IndexByte(pathAfter, v[end]) >= 0 {
			return struct{ container, host string }{c, e.host}, true
		}
	}
	return struct{ container, host string }{}, false
}

func (k *kubelet) pathMap(run *podRun, pod *corev1.Pod, c *corev1.Container) (pathMap, error) {
	var m pathMap
	volumes := map[string]*corev1.Volume{}
	for i := range pod.Spec.Volumes {
		volumes[pod.Spec.Volumes[i].Name] = &pod.Spec.Volumes[i]
	}
	for _, vm := range c.VolumeMounts {
		v := volumes[vm.Name]
		if v == nil || v.EmptyDir == nil {
			// Only emptyDir is materialized; projected service-account tokens,
			// secret and configMap volumes are not (documented limit).
			continue
		}
		host := filepath.Join(run.dir, "volumes", vm.Name, vm.SubPath)
		if err := os.MkdirAll(host, 0o777); err != nil {
			return nil, err
		}
		m = append(m, struct{ container, host string }{vm.MountPath, host})
	}
	tmPath := c.TerminationMessagePath
	if tmPath == "" {
		tmPath = corev1.TerminationMessagePathDefault
	}
	tm := k.terminationFile(run, c)
	if err := os.MkdirAll(filepath.Dir(tm), 0o755); err != nil {
		return nil, err
	}
	_ = os.WriteFile(tm, nil, 0o666)
	m = append(m, struct{ container, host string }{tmPath, tm})
	sort.SliceStable(m, func(i, j int) bool { return len(m[i].container) > len(m[j].container) })
	return m, nil
}

func (k *kubelet) prepare(ctx context.Context, run *podRun, pod *corev1.Pod, node *corev1.Node, c *corev1.Container) (*exec.Cmd, error) {
	env, err := newEnvResolver(k.client, pod, node).resolve(ctx, c)
	if err != nil {
		return nil, err
	}
	paths, err := k.pathMap(run, pod, c)
	if err != nil {
		return nil, err
	}
	var argv []string
	for _, a := range append(append([]string{}, c.Command...), c.Args...) {
		argv = append(argv, paths.rewrite(expand(a, env.mapping)))
	}
	if len(c.Command) == 0 {
		return nil, &startError{fmt.Errorf("container %q has no command: the sim-cluster process node cannot run an image's entrypoint", c.Name)}
	}

	// The process sees the pod's variables (with paths rewritten) plus what a
	// container runtime would add; nothing else leaks in from the harness.
	final := &envList{}
	for _, name := range strings.Split(k.cfg.passEnv, ",") {
		if v, ok := os.LookupEnv(strings.TrimSpace(name)); ok && name != "" {
			final.set(name, v)
		}
	}
	final.set("PATH", k.cfg.path)
	final.set("HOSTNAME", pod.Name)
	final.set("HOME", filepath.Join(run.dir, "home"))
	if tmp := paths.rewrite("/tmp"); tmp != "/tmp" {
		final.set("TMPDIR", tmp)
	}
	for _, name := range env.order {
		final.set(name, paths.rewrite(env.values[name]))
	}
	if err := os.MkdirAll(final.values["HOME"], 0o755); err != nil {
		return nil, err
	}

	bin, err := lookPath(argv[0], final.values["PATH"])
	if err != nil {
		return nil, &startError{err}
	}
	dir := filepath.Join(run.dir, "root")
	if c.WorkingDir != "" {
		dir = paths.rewrite(c.WorkingDir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(run.dir, "logs", c.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = final.pairs()
	// Own process group so SIGTERM/SIGKILL reach the whole tree; die with
	// the harness if it is killed hard.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	klog.V(2).Infof("pod %s container %s: argv=%q dir=%s", run.key, c.Name, argv, dir)
	return cmd, nil
}

// lookPath resolves a command like the container runtime does, but against
// the given PATH (the pod's PATH if it sets one, else the configured one).
func lookPath(name, path string) (string, error) {
	if strings.Contains(name, "/") {
		if st, err := os.Stat(name); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return name, nil
		}
		return "", fmt.Errorf("exec: %q: stat %s: no such file or directory", name, name)
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH", name)
}
