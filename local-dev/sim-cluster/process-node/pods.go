package main

// Pod lifecycle: what the kubelet's pod workers and status manager do, reduced
// to "run each container's command as a local process group".

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

const maxTerminationMessage = 4096

type kubelet struct {
	client kubernetes.Interface
	cfg    *config
	queue  workqueue.TypedRateLimitingInterface[string]
	lister listersv1.PodLister

	mu      sync.Mutex
	runs    map[string]*podRun // by namespace/name
	deleted map[types.UID]bool // pods we already finalized with grace 0
}

// podRun is one pod's sandbox: its directory and its container processes.
type podRun struct {
	key, dir string
	uid      types.UID
	stop     chan struct{} // closed when the pod must terminate
	stopOnce sync.Once
	done     chan struct{} // closed when no process of the pod is left

	mu       sync.Mutex
	procs    map[string]*os.Process
	statuses map[string]*corev1.ContainerStatus // by container name, init and regular
	started  bool                               // at least one container was started
	start    metav1.Time
}

func newKubelet(client kubernetes.Interface, cfg *config) *kubelet {
	return &kubelet{
		client:  client,
		cfg:     cfg,
		queue:   workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		runs:    map[string]*podRun{},
		deleted: map[types.UID]bool{},
	}
}

func (k *kubelet) run(ctx context.Context) {
	// A 30s resync re-runs sync for every pod, which re-posts lost statuses.
	factory := informers.NewSharedInformerFactoryWithOptions(k.client, 30*time.Second,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", k.cfg.nodeName).String()
		}))
	inf := factory.Core().V1().Pods()
	k.lister = inf.Lister()
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			k.queue.Add(key)
		}
	}
	_, _ = inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	})
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	klog.Infof("process node %s: watching pods bound to it", k.cfg.nodeName)
	for i := 0; i < 4; i++ {
		go func() {
			for k.next(ctx) {
			}
		}()
	}
	<-ctx.Done()
	k.queue.ShutDown()
}

func (k *kubelet) next(ctx context.Context) bool {
	key, quit := k.queue.Get()
	if quit {
		return false
	}
	defer k.queue.Done(key)
	if err := k.sync(ctx, key); err != nil {
		klog.Warningf("sync %s: %v", key, err)
		k.queue.AddRateLimited(key)
		return true
	}
	k.queue.Forget(key)
	return true
}

func (k *kubelet) sync(ctx context.Context, key string) error {
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	pod, err := k.lister.Pods(ns).Get(name)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	k.mu.Lock()
	run := k.runs[key]
	k.mu.Unlock()

	if pod == nil || (run != nil && run.uid != pod.UID) {
		// Gone for good (or replaced by a new pod of the same name): kill
		// whatever is left and drop the sandbox.
		if run != nil {
			run.terminate(0)
			<-run.done
			k.forget(run)
		}
		if pod == nil {
			return nil
		}
		run = nil
	}

	if pod.DeletionTimestamp != nil {
		if run != nil && !run.finished() {
			run.terminate(gracePeriod(pod))
			return nil // the run re-queues the key when its processes are gone
		}
		return k.finalize(ctx, pod)
	}
	if run != nil {
		if run.finished() && run.started && !isTerminal(pod.Status.Phase) {
			// The final status did not make it (API server down for longer
			// than the retries): post it again, as the kubelet's status
			// manager does on its periodic sync.
			go k.updateStatus(ctx, run, pod.DeepCopy())
		}
		return nil
	}
	if isTerminal(pod.Status.Phase) {
		return nil
	}
	if pod.Status.Phase == corev1.PodRunning {
		// Running according to the API but not ours: this process restarted and
		// the local process is lost. restartPolicy is treated as Never.
		return k.markLost(ctx, pod)
	}
	run = &podRun{
		key: key, uid: pod.UID,
		dir:      filepath.Join(k.cfg.workDir, "pods", fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID)),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		procs:    map[string]*os.Process{},
		statuses: map[string]*corev1.ContainerStatus{},
	}
	k.mu.Lock()
	k.runs[key] = run
	k.mu.Unlock()
	go k.runPod(ctx, run, pod.DeepCopy())
	return nil
}

func (k *kubelet) forget(run *podRun) {
	k.mu.Lock()
	if k.runs[run.key] == run {
		delete(k.runs, run.key)
	}
	k.mu.Unlock()
	_ = os.RemoveAll(run.dir)
}

// finalize deletes the pod with grace period 0, as the kubelet's status
// manager does once all containers are stopped, so the deletion completes.
func (k *kubelet) finalize(ctx context.Context, pod *corev1.Pod) error {
	k.mu.Lock()
	done := k.deleted[pod.UID]
	k.deleted[pod.UID] = true
	k.mu.Unlock()
	if done {
		return nil
	}
	zero := int64(0)
	err := k.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero,
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		k.mu.Lock()
		delete(k.deleted, pod.UID)
		k.mu.Unlock()
		return err
	}
	klog.Infof("pod %s/%s: containers stopped, deleted with grace period 0", pod.Namespace, pod.Name)
	return nil
}

func gracePeriod(pod *corev1.Pod) int64 {
	if pod.DeletionGracePeriodSeconds != nil {
		return *pod.DeletionGracePeriodSeconds
	}
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return *pod.Spec.TerminationGracePeriodSeconds
	}
	return 30
}

func isTerminal(p corev1.PodPhase) bool { return p == corev1.PodSucceeded || p == corev1.PodFailed }

func (r *podRun) finished() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

func (r *podRun) stopping() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

// minimumGracePeriod is the kubelet's minimumGracePeriodInSeconds: "always
// give containers a minimal shutdown window to avoid unnecessary SIGKILLs".
// Even a pod deleted with grace period 0 (gone from the API at once) gets
// SIGTERM and this long before SIGKILL, so a program's SIGTERM handler (the
// executor uploads partial outputs) runs as it would on a real node.
const minimumGracePeriod = 2

// terminate sends SIGTERM to every container process group and SIGKILL once
// the grace period (at least minimumGracePeriod) is over, like the kubelet's
// killContainer.
func (r *podRun) terminate(grace int64) {
	if grace < minimumGracePeriod {
		grace = minimumGracePeriod
	}
	r.stopOnce.Do(func() {
		close(r.stop)
		r.signalAll(syscall.SIGTERM)
		go func() {
			select {
			case <-r.done:
			case <-time.After(time.Duration(grace) * time.Second):
				r.signalAll(syscall.SIGKILL)
			}
		}()
	})
}

func (r *podRun) signalAll(sig syscall.Signal) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.procs {
		_ = syscall.Kill(-p.Pid, sig) // the whole process group
	}
}

func (k *kubelet) runPod(ctx context.Context, run *podRun, pod *corev1.Pod) {
	defer func() {
		close(run.done)
		k.queue.Add(run.key)
	}()
	run.start = metav1.Now()
	for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		run.statuses[c.Name] = &corev1.ContainerStatus{
			Name: c.Name, Image: c.Image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}},
		}
	}
	if err := os.MkdirAll(filepath.Join(run.dir, "logs"), 0o755); err != nil {
		klog.Errorf("pod %s: %v", run.key, err)
		return
	}
	k.updateStatus(ctx, run, pod)
	node, _ := k.client.CoreV1().Nodes().Get(ctx, k.cfg.nodeName, metav1.GetOptions{})

	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if !k.startContainers(ctx, run, pod, node, []*corev1.Container{c}) {
			k.updateStatus(ctx, run, pod)
			return
		}
		k.updateStatus(ctx, run, pod)
		k.waitContainers(run, pod, []*corev1.Container{c})
		k.updateStatus(ctx, run, pod)
		if st := run.statuses[c.Name].State.Terminated; st == nil || st.ExitCode != 0 || run.stopping() {
			return
		}
	}
	var main []*corev1.Container
	for i := range pod.Spec.Containers {
		main = append(main, &pod.Spec.Containers[i])
	}
	if !k.startContainers(ctx, run, pod, node, main) {
		k.updateStatus(ctx, run, pod)
		return
	}
	k.updateStatus(ctx, run, pod)
	k.waitContainers(run, pod, main)
	k.updateStatus(ctx, run, pod)
}

// startContainers resolves the environment of every container (retrying on
// a missing Secret/ConfigMap like the kubelet, which keeps the pod Pending
// with CreateContainerConfigError) and then starts them. It returns false
// when the pod is being stopped or a container could not be started.
func (k *kubelet) startContainers(ctx context.Context, run *podRun, pod *corev1.Pod, node *corev1.Node, cs []*corev1.Container) bool {
	prepared := make([]*exec.Cmd, len(cs))
	for i, c := range cs {
		for {
			cmd, err := k.prepare(ctx, run, pod, node, c)
			if err == nil {
				prepared[i] = cmd
				break
			}
			var cfgErr *configError
			if errors.As(err, &cfgErr) {
				// Pending with a waiting reason, retried until it resolves.
				run.mu.Lock()
				run.statuses[c.Name].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
					Reason: "CreateContainerConfigError", Message: cfgErr.msg}}
				run.mu.Unlock()
				k.updateStatus(ctx, run, pod)
			} else if isStartError(err) {
				k.setTerminated(run, c, 128, "StartError", err.Error(), metav1.Now())
				return false
			} else {
				klog.Warningf("pod %s container %s: %v (retrying)", run.key, c.Name, err)
			}
			select {
			case <-run.stop:
				return false
			case <-time.After(5 * time.Second):
			}
		}
	}
	for i, c := range cs {
		cmd := prepared[i]
		run.mu.Lock()
		if run.stopping() {
			run.mu.Unlock()
			return false
		}
		err := cmd.Start()
		if err == nil {
			run.procs[c.Name] = cmd.Process
			run.started = true
			t := metav1.Now()
			st := run.statuses[c.Name]
			st.ContainerID = fmt.Sprintf("process://%d", cmd.Process.Pid)
			st.ImageID = "process://" + c.Image
			st.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: t}}
			st.Ready, st.Started = true, ptr(true)
			klog.Infof("pod %s container %s: started %v (pid %d)", run.key, c.Name, cmd.Args, cmd.Process.Pid)
		}
		run.mu.Unlock()
		if err != nil {
			// containerd's wording for a missing executable, exit code 128.
			k.setTerminated(run, c, 128, "StartError", err.Error(), metav1.Now())
			return false
		}
		go func(c *corev1.Container, cmd *exec.Cmd) {
			_ = cmd.Wait()
			k.onExit(run, pod, c, cmd)
		}(c, cmd)
	}
	return true
}

type startError struct{ error }

func isStartError(err error) bool {
	var s *startError
	return errors.As(err, &s)
}

// waitContainers blocks until every given container has a terminated state.
func (k *kubelet) waitContainers(run *podRun, pod *corev1.Pod, cs []*corev1.Container) {
	for {
		run.mu.Lock()
		all := true
		for _, c := range cs {
			if run.statuses[c.Name].State.Terminated == nil {
				all = false
			}
		}
		run.mu.Unlock()
		if all {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (k *kubelet) onExit(run *podRun, pod *corev1.Pod, c *corev1.Container, cmd *exec.Cmd) {
	code := 0
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		switch {
		case ws.Signaled():
			code = 128 + int(ws.Signal()) // what container runtimes report: 137, 143
		default:
			code = ws.ExitStatus()
		}
	}
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	msg := k.terminationMessage(run, c, code)
	run.mu.Lock()
	started := metav1.Now()
	if r := run.statuses[c.Name].State.Running; r != nil {
		started = r.StartedAt
	}
	delete(run.procs, c.Name)
	run.mu.Unlock()
	// Reap anything the command left behind in its process group.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	k.setTerminated(run, c, code, reason, msg, started)
	klog.Infof("pod %s container %s: exited with code %d", run.key, c.Name, code)
}

func (k *kubelet) setTerminated(run *podRun, c *corev1.Container, code int, reason, msg string, started metav1.Time) {
	run.mu.Lock()
	defer run.mu.Unlock()
	st := run.statuses[c.Name]
	st.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: int32(code), Reason: reason, Message: msg,
		StartedAt: started, FinishedAt: metav1.Now(), ContainerID: st.ContainerID,
	}}
	st.Ready, st.Started = false, ptr(false)
}

// terminationMessage reads the container's terminationMessagePath (mapped to
// a per-pod file), falling back to the log tail for FallbackToLogsOnError.
func (k *kubelet) terminationMessage(run *podRun, c *corev1.Container, code int) string {
	data, _ := readAtMost(k.terminationFile(run, c), maxTerminationMessage)
	msg := string(data)
	if msg == "" && code != 0 && c.TerminationMessagePolicy == corev1.TerminationMessageFallbackToLogsOnError {
		msg = logTail(filepath.Join(run.dir, "logs", c.Name+".log"), 80, 2048)
	}
	return msg
}

func (k *kubelet) terminationFile(run *podRun, c *corev1.Container) string {
	return filepath.Join(run.dir, "containers", c.Name, "termination-log")
}

func readAtMost(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n)
	m, _ := f.Read(buf)
	return buf[:m], nil
}

func logTail(path string, lines, maxBytes int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	s := lastLines(strings.TrimRight(string(data), "\n"), lines)
	if len(s) > maxBytes {
		s = s[len(s)-maxBytes:]
	}
	return s
}

// markLost fails a pod whose process this harness no longer has (restarted).
func (k *kubelet) markLost(ctx context.Context, pod *corev1.Pod) error {
	return retry.OnError(statusBackoff, retriable, func() error {
		live, err := k.client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil || live.UID != pod.UID || isTerminal(live.Status.Phase) {
			return client404(err)
		}
		now := metav1.Now()
		for i := range live.Status.ContainerStatuses {
			st := &live.Status.ContainerStatuses[i]
			var started metav1.Time
			if st.State.Running != nil {
				started = st.State.Running.StartedAt
			}
			st.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 137, Reason: "Error", StartedAt: started, FinishedAt: now, ContainerID: st.ContainerID,
				Message: "sim-cluster process node restarted; the local process of this container was lost"}}
			st.Ready, st.Started = false, ptr(false)
		}
		live.Status.Phase = corev1.PodFailed
		setConditions(live, false, true, "PodCompleted", "")
		_, err = k.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, live, metav1.UpdateOptions{})
		return err
	})
}

func client404(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// updateStatus posts the pod status computed from the local container states,
// as the kubelet's status manager does (conditions, phase, container statuses).
// statusBackoff retries every second for three minutes: a final status must
// survive an API server restart, and right after binding the Node authorizer
// may not yet know the pod (Forbidden) for a moment.
// (No Cap: wait.Backoff stops retrying once a Cap is reached.)
var statusBackoff = wait.Backoff{Duration: time.Second, Factor: 1, Jitter: 0.1, Steps: 180}

func retriable(err error) bool { return !apierrors.IsNotFound(err) }

func (k *kubelet) updateStatus(ctx context.Context, run *podRun, pod *corev1.Pod) {
	err := retry.OnError(statusBackoff, retriable, func() error {
		live, err := k.client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil || live.UID != run.uid || isTerminal(live.Status.Phase) {
			return client404(err)
		}
		run.mu.Lock()
		var initSt, mainSt []corev1.ContainerStatus
		for _, c := range pod.Spec.InitContainers {
			initSt = append(initSt, *run.statuses[c.Name].DeepCopy())
		}
		for _, c := range pod.Spec.Containers {
			mainSt = append(mainSt, *run.statuses[c.Name].DeepCopy())
		}
		run.mu.Unlock()
		phase, initialized, unready := podPhase(pod, initSt, mainSt)
		s := &live.Status
		s.Phase = phase
		s.InitContainerStatuses, s.ContainerStatuses = initSt, mainSt
		s.HostIP, s.PodIP = nodeIP, nodeIP
		s.HostIPs = []corev1.HostIP{{IP: nodeIP}}
		s.PodIPs = []corev1.PodIP{{IP: nodeIP}}
		if s.StartTime == nil {
			s.StartTime = &run.start
		}
		reason, msg := "ContainersNotReady", ""
		if len(unready) > 0 {
			msg = fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " "))
		}
		if isTerminal(phase) {
			reason = "PodCompleted"
		}
		setConditions(live, len(unready) == 0 && !isTerminal(phase), initialized, reason, msg)
		if !initialized {
			var incomplete []string
			for _, st := range initSt {
				if t := st.State.Terminated; t == nil || t.ExitCode != 0 {
					incomplete = append(incomplete, st.Name)
				}
			}
			setCondition(live, corev1.PodInitialized, corev1.ConditionFalse, "ContainersNotInitialized",
				fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(incomplete, " ")))
		}
		_, err = k.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, live, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		klog.Warningf("pod %s: status update: %v", run.key, err)
	}
}

// podPhase follows the kubelet's getPhase for restartPolicy Never.
func podPhase(pod *corev1.Pod, initSt, mainSt []corev1.ContainerStatus) (corev1.PodPhase, bool, []string) {
	initialized := true
	for _, st := range initSt {
		if t := st.State.Terminated; t == nil || t.ExitCode != 0 {
			initialized = false
			if t != nil {
				return corev1.PodFailed, false, []string{st.Name}
			}
		}
	}
	var unready []string
	running, waiting, failed := 0, 0, 0
	for _, st := range mainSt {
		switch {
		case st.State.Running != nil:
			running++
		case st.State.Terminated != nil:
			if st.State.Terminated.ExitCode != 0 {
				failed++
			}
			unready = append(unready, st.Name)
		default:
			waiting++
			unready = append(unready, st.Name)
		}
	}
	sort.Strings(unready)
	switch {
	case !initialized || waiting > 0:
		return corev1.PodPending, initialized, unready
	case running > 0:
		return corev1.PodRunning, true, unready
	case failed > 0:
		return corev1.PodFailed, true, unready
	default:
		return corev1.PodSucceeded, true, unready
	}
}

func setConditions(pod *corev1.Pod, ready, initialized bool, reason, msg string) {
	status := func(b bool) corev1.ConditionStatus {
		if b {
			return corev1.ConditionTrue
		}
		return corev1.ConditionFalse
	}
	setCondition(pod, corev1.PodScheduled, corev1.ConditionTrue, "", "")
	setCondition(pod, corev1.PodReadyToStartContainers, corev1.ConditionTrue, "", "")
	setCondition(pod, corev1.PodInitialized, status(initialized), "", "")
	if ready {
		reason, msg = "", ""
	}
	setCondition(pod, corev1.ContainersReady, status(ready), reason, msg)
	setCondition(pod, corev1.PodReady, status(ready), reason, msg)
}

// setCondition updates one condition, keeping lastTransitionTime unless the
// status changes; conditions owned by others (DisruptionTarget...) stay.
func setCondition(pod *corev1.Pod, t corev1.PodConditionType, s corev1.ConditionStatus, reason, msg string) {
	for i := range pod.Status.Conditions {
		c := &pod.Status.Conditions[i]
		if c.Type == t {
			if c.Status != s {
				c.LastTransitionTime = metav1.Now()
			}
			c.Status, c.Reason, c.Message = s, reason, msg
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{
		Type: t, Status: s, Reason: reason, Message: msg, LastTransitionTime: metav1.Now()})
}

// shutdown stops every container (harness SIGTERM), posting final statuses.
func (k *kubelet) shutdown() {
	k.mu.Lock()
	runs := make([]*podRun, 0, len(k.runs))
	for _, r := range k.runs {
		runs = append(runs, r)
	}
	k.mu.Unlock()
	for _, r := range runs {
		r.terminate(3)
	}
	deadline := time.After(8 * time.Second)
	for _, r := range runs {
		select {
		case <-r.done:
		case <-deadline:
			return
		}
	}
}

func ptr[T any](v T) *T { return &v }
