// Command process-node is a TEST AND DEVELOPMENT STAND-IN FOR A KUBELET, used
// only by local-dev/sim-cluster. It registers one Node, keeps it Ready, and
// runs the containers of pods bound to that node as plain local processes
// (no images, no isolation, no resource limits), reporting pod status the way
// a kubelet does. It is not product code and must never run on a real cluster.
package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
)

const nodeIP = "127.0.0.1"

type config struct {
	kubeconfig    string
	nodeName      string
	workDir       string
	path          string
	passEnv       string
	labels        string
	taints        string
	cpu, memory   string
	pods          string
	kubeletVer    string
	port          int
	tlsCert       string
	tlsKey        string
	clientCA      string
	leaseDuration int
}

func main() {
	var cfg config
	flag.StringVar(&cfg.kubeconfig, "kubeconfig", "", "kubeconfig of the cluster")
	flag.StringVar(&cfg.nodeName, "node-name", "sim-process-node", "name of the Node to register")
	flag.StringVar(&cfg.workDir, "work-dir", "", "directory for per-pod directories (volumes, logs, termination messages)")
	flag.StringVar(&cfg.path, "path", os.Getenv("PATH"), "PATH used to resolve container commands (unless the pod sets PATH)")
	flag.StringVar(&cfg.passEnv, "pass-env", "LANG,LC_ALL,TZ", "comma-separated harness variables copied into every container (pod env wins)")
	flag.StringVar(&cfg.labels, "labels", "", "comma-separated extra node labels k=v")
	flag.StringVar(&cfg.taints, "taints", "", "comma-separated node taints key=value:Effect")
	flag.StringVar(&cfg.cpu, "cpu", "8", "cpu capacity")
	flag.StringVar(&cfg.memory, "memory", "16Gi", "memory capacity")
	flag.StringVar(&cfg.pods, "pods", "20", "pod capacity")
	flag.StringVar(&cfg.kubeletVer, "kubelet-version", "v0.0.0", "kubelet version reported in node info")
	flag.IntVar(&cfg.port, "port", 10250, "HTTPS port serving container logs to the API server (kubectl logs)")
	flag.StringVar(&cfg.tlsCert, "tls-cert", "", "serving certificate for the logs endpoint")
	flag.StringVar(&cfg.tlsKey, "tls-key", "", "serving key for the logs endpoint")
	flag.StringVar(&cfg.clientCA, "client-ca", "", "CA that signs the API server's kubelet client certificate")
	flag.IntVar(&cfg.leaseDuration, "lease-duration", 40, "node lease duration in seconds")
	klog.InitFlags(nil)
	flag.Parse()
	if cfg.workDir == "" {
		klog.Fatal("--work-dir is required")
	}

	restCfg, err := clientcmd.BuildConfigFromFlags("", cfg.kubeconfig)
	if err != nil {
		klog.Fatalf("kubeconfig: %v", err)
	}
	restCfg.UserAgent = "sim-process-node"
	client := kubernetes.NewForConfigOrDie(restCfg)

	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)

	if err := registerNode(ctx, client, &cfg); err != nil {
		klog.Fatalf("register node: %v", err)
	}
	go heartbeat(ctx, client, &cfg)

	k := newKubelet(client, &cfg)
	if cfg.tlsCert != "" {
		go k.serveLogs()
	}
	go k.run(ctx)

	s := <-sigs
	klog.Infof("received %v: stopping containers", s)
	k.shutdown()
	cancel()
}

func parseLabels(s string, into map[string]string) {
	for _, kv := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
			into[k] = v
		}
	}
}

func parseTaints(s string) []corev1.Taint {
	var taints []corev1.Taint
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		kv, effect, _ := strings.Cut(t, ":")
		k, v, _ := strings.Cut(kv, "=")
		taints = append(taints, corev1.Taint{Key: k, Value: v, Effect: corev1.TaintEffect(effect)})
	}
	return taints
}

func nodeStatus(cfg *config) corev1.NodeStatus {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse(cfg.cpu),
		corev1.ResourceMemory:           resource.MustParse(cfg.memory),
		corev1.ResourcePods:             resource.MustParse(cfg.pods),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	now := metav1.Now()
	cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity,
		Phase:       corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{
			cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "process node has sufficient memory available"),
			cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "process node has no disk pressure"),
			cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "process node has sufficient PID available"),
			cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "process node (sim-cluster kubelet stand-in) is posting ready status"),
		},
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: nodeIP},
			{Type: corev1.NodeHostName, Address: cfg.nodeName},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(cfg.port)}},
		NodeInfo: corev1.NodeSystemInfo{
			KubeletVersion:          cfg.kubeletVer,
			ContainerRuntimeVersion: "process://sim-cluster",
			OperatingSystem:         "linux",
			Architecture:            "amd64",
			OSImage:                 "sim-cluster process node",
			KernelVersion:           "n/a",
		},
	}
}

// registerNode creates the Node, or on restart brings its labels, taints and
// status back to what this process serves.
func registerNode(ctx context.Context, client kubernetes.Interface, cfg *config) error {
	labels := map[string]string{
		corev1.LabelHostname:   cfg.nodeName,
		corev1.LabelOSStable:   "linux",
		corev1.LabelArchStable: "amd64",
	}
	parseLabels(cfg.labels, labels)
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: cfg.nodeName, Labels: labels},
		Spec:       corev1.NodeSpec{Taints: parseTaints(cfg.taints)},
	}
	return retry.OnError(wait5m(), func(error) bool { return true }, func() error {
		existing, err := client.CoreV1().Nodes().Get(ctx, cfg.nodeName, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			existing, err = client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
		case err == nil:
			for k, v := range labels {
				if existing.Labels == nil {
					existing.Labels = map[string]string{}
				}
				existing.Labels[k] = v
			}
			existing.Spec.Taints = mergeTaints(existing.Spec.Taints, node.Spec.Taints)
			existing.Spec.Unschedulable = false
			existing, err = client.CoreV1().Nodes().Update(ctx, existing, metav1.UpdateOptions{})
		}
		if err != nil {
			klog.Warningf("register node: %v (retrying)", err)
			return err
		}
		existing.Status = nodeStatus(cfg)
		_, err = client.CoreV1().Nodes().UpdateStatus(ctx, existing, metav1.UpdateOptions{})
		return err
	})
}

// mergeTaints keeps taints the control plane manages (node.kubernetes.io/*)
// and replaces the ones this process configures.
func mergeTaints(existing, ours []corev1.Taint) []corev1.Taint {
	out := append([]corev1.Taint{}, ours...)
	for _, t := range existing {
		if strings.HasPrefix(t.Key, "node.kubernetes.io/") {
			out = append(out, t)
		}
	}
	return out
}

// wait5m retries for about five minutes in 2s steps, so a process node
// started before the API server answers still registers.
func wait5m() wait.Backoff { return wait.Backoff{Duration: 2 * time.Second, Factor: 1, Steps: 150} }

// heartbeat renews the node Lease (what the node lifecycle controller watches)
// every 10s and re-posts the Ready condition every 30s, like the kubelet.
func heartbeat(ctx context.Context, client kubernetes.Interface, cfg *config) {
	leaseTick := time.NewTicker(10 * time.Second)
	statusTick := time.NewTicker(30 * time.Second)
	defer leaseTick.Stop()
	defer statusTick.Stop()
	renewLease(ctx, client, cfg)
	for {
		select {
		case <-ctx.Done():
			return
		case <-leaseTick.C:
			renewLease(ctx, client, cfg)
		case <-statusTick.C:
			if err := postStatus(ctx, client, cfg); err != nil {
				klog.Warningf("node status: %v", err)
			}
		}
	}
}

func postStatus(ctx context.Context, client kubernetes.Interface, cfg *config) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := client.CoreV1().Nodes().Get(ctx, cfg.nodeName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return registerNode(ctx, client, cfg)
		}
		if err != nil {
			return err
		}
		node.Status = nodeStatus(cfg)
		_, err = client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
		return err
	})
}

func renewLease(ctx context.Context, client kubernetes.Interface, cfg *config) {
	leases := client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	now := metav1.NewMicroTime(time.Now())
	dur := int32(cfg.leaseDuration)
	lease, err := leases.Get(ctx, cfg.nodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		lease = &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: cfg.nodeName, Namespace: corev1.NamespaceNodeLease},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: &cfg.nodeName, LeaseDurationSeconds: &dur, RenewTime: &now},
		}
		if node, nerr := client.CoreV1().Nodes().Get(ctx, cfg.nodeName, metav1.GetOptions{}); nerr == nil {
			lease.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}
		}
		_, err = leases.Create(ctx, lease, metav1.CreateOptions{})
	} else if err == nil {
		lease.Spec.RenewTime = &now
		lease.Spec.HolderIdentity = &cfg.nodeName
		lease.Spec.LeaseDurationSeconds = &dur
		_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	}
	if err != nil {
		klog.Warningf("renew lease: %v", err)
	}
}
