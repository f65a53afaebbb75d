package main

// Environment resolution the way the kubelet does it (pkg/kubelet/kubelet_pods.go
// makeEnvironmentVariables): envFrom first, then env in order, each value
// $(VAR)-expanded against the variables defined before it.

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// configError is what the kubelet reports as CreateContainerConfigError.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

type envResolver struct {
	client     kubernetes.Interface
	pod        *corev1.Pod
	node       *corev1.Node
	secrets    map[string]*corev1.Secret
	configMaps map[string]*corev1.ConfigMap
}

func newEnvResolver(client kubernetes.Interface, pod *corev1.Pod, node *corev1.Node) *envResolver {
	return &envResolver{client: client, pod: pod, node: node,
		secrets: map[string]*corev1.Secret{}, configMaps: map[string]*corev1.ConfigMap{}}
}

func (r *envResolver) secret(ctx context.Context, name string) (*corev1.Secret, error) {
	if s, ok := r.secrets[name]; ok {
		return s, nil
	}
	s, err := r.client.CoreV1().Secrets(r.pod.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		// The kubelet's wording, e.g. `secret "foo" not found`.
		return nil, &configError{fmt.Sprintf("secret %q not found", name)}
	}
	if err != nil {
		return nil, err
	}
	r.secrets[name] = s
	return s, nil
}

func (r *envResolver) configMap(ctx context.Context, name string) (*corev1.ConfigMap, error) {
	if c, ok := r.configMaps[name]; ok {
		return c, nil
	}
	c, err := r.client.CoreV1().ConfigMaps(r.pod.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, &configError{fmt.Sprintf("configmap %q not found", name)}
	}
	if err != nil {
		return nil, err
	}
	r.configMaps[name] = c
	return c, nil
}

func isNotFoundConfig(err error) bool {
	_, ok := err.(*configError)
	return ok
}

// resolve returns the container's environment as an ordered list of NAME=value.
func (r *envResolver) resolve(ctx context.Context, c *corev1.Container) ([]string, map[string]string, error) {
	env := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, seen := env[k]; !seen {
			order = append(order, k)
		}
		env[k] = v
	}
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			optional := from.ConfigMapRef.Optional != nil && *from.ConfigMapRef.Optional
			cm, err := r.configMap(ctx, from.ConfigMapRef.Name)
			if err != nil {
				if optional && isNotFoundConfig(err) {
					continue
				}
				return nil, nil, err
			}
			for _, k := range sortedKeys(cm.Data) {
				set(from.Prefix+k, cm.Data[k])
			}
		case from.SecretRef != nil:
			optional := from.SecretRef.Optional != nil && *from.SecretRef.Optional
			s, err := r.secret(ctx, from.SecretRef.Name)
			if err != nil {
				if optional && isNotFoundConfig(err) {
					continue
				}
				return nil, nil, err
			}
			keys := make([]string, 0, len(s.Data))
			for k := range s.Data {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				set(from.Prefix+k, string(s.Data[k]))
			}
		}
	}
	mapping := func(name string) string {
		if v, ok := env[name]; ok {
			return v
		}
		return "$(" + name + ")"
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			set(e.Name, expand(e.Value, mapping))
			continue
		}
		v, skip, err := r.valueFrom(ctx, c, e.ValueFrom)
		if err != nil {
			return nil, nil, err
		}
		if !skip {
			set(e.Name, v)
		}
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+env[k])
	}
	return out, env, nil
}

func (r *envResolver) valueFrom(ctx context.Context, c *corev1.Container, src *corev1.EnvVarSource) (string, bool, error) {
	switch {
	case src.FieldRef != nil:
		v, err := r.fieldRef(src.FieldRef.FieldPath)
		return v, false, err
	case src.ResourceFieldRef != nil:
		v, err := r.resourceFieldRef(c, src.ResourceFieldRef)
		return v, false, err
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		optional := ref.Optional != nil && *ref.Optional
		s, err := r.secret(ctx, ref.Name)
		if err != nil {
			if optional && isNotFoundConfig(err) {
				return "", true, nil
			}
			return "", false, err
		}
		v, ok := s.Data[ref.Key]
		if !ok {
			if optional {
				return "", true, nil
			}
			return "", false, &configError{fmt.Sprintf("couldn't find key %v in Secret %v/%v", ref.Key, r.pod.Namespace, ref.Name)}
		}
		return string(v), false, nil
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		optional := ref.Optional != nil && *ref.Optional
		cm, err := r.configMap(ctx, ref.Name)
		if err != nil {
			if optional && isNotFoundConfig(err) {
				return "", true, nil
			}
			return "", false, err
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			if optional {
				return "", true, nil
			}
			return "", false, &configError{fmt.Sprintf("couldn't find key %v in ConfigMap %v/%v", ref.Key, r.pod.Namespace, ref.Name)}
		}
		return v, false, nil
	}
	return "", true, nil
}

// fieldRef implements the downward API field paths the kubelet accepts for env.
func (r *envResolver) fieldRef(path string) (string, error) {
	p := r.pod
	switch path {
	case "metadata.name":
		return p.Name, nil
	case "metadata.namespace":
		return p.Namespace, nil
	case "metadata.uid":
		return string(p.UID), nil
	case "metadata.labels":
		return formatMap(p.Labels), nil
	case "metadata.annotations":
		return formatMap(p.Annotations), nil
	case "spec.nodeName":
		return p.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return p.Spec.ServiceAccountName, nil
	case "status.hostIP", "status.podIP", "status.hostIPs", "status.podIPs":
		return nodeIP, nil
	}
	if k, ok := subscript(path, "metadata.labels"); ok {
		return p.Labels[k], nil
	}
	if k, ok := subscript(path, "metadata.annotations"); ok {
		return p.Annotations[k], nil
	}
	return "", &configError{fmt.Sprintf("unsupported fieldPath: %s", path)}
}

func subscript(path, prefix string) (string, bool) {
	if !strings.HasPrefix(path, prefix+"['") || !strings.HasSuffix(path, "']") {
		return "", false
	}
	return path[len(prefix)+2 : len(path)-2], true
}

func formatMap(m map[string]string) string {
	var b strings.Builder
	for _, k := range sortedKeys(m) {
		fmt.Fprintf(&b, "%s=%s\n", k, strconv.Quote(m[k]))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// resourceFieldRef: limits fall back to node allocatable as in the kubelet.
func (r *envResolver) resourceFieldRef(c *corev1.Container, ref *corev1.ResourceFieldSelector) (string, error) {
	if ref.ContainerName != "" {
		for i := range r.pod.Spec.Containers {
			if r.pod.Spec.Containers[i].Name == ref.ContainerName {
				c = &r.pod.Spec.Containers[i]
			}
		}
	}
	parts := strings.SplitN(ref.Resource, ".", 2)
	if len(parts) != 2 {
		return "", &configError{"unsupported resource: " + ref.Resource}
	}
	name := corev1.ResourceName(parts[1])
	var q resource.Quantity
	var ok bool
	if parts[0] == "limits" {
		q, ok = c.Resources.Limits[name]
		if !ok && r.node != nil {
			q, ok = r.node.Status.Allocatable[name]
		}
	} else {
		q, ok = c.Resources.Requests[name]
	}
	if !ok {
		return "0", nil
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	if name == corev1.ResourceCPU {
		return strconv.FormatInt(int64(math.Ceil(float64(q.MilliValue())/float64(divisor.MilliValue()))), 10), nil
	}
	return strconv.FormatInt(int64(math.Ceil(float64(q.Value())/float64(divisor.Value()))), 10), nil
}

// expand is the kubelet's $(VAR) expansion (third_party/forked/golang/expansion):
// $(VAR) is replaced when VAR is defined, kept verbatim otherwise; $$ escapes $.
func expand(input string, mapping func(string) string) string {
	var buf strings.Builder
	checkpoint := 0
	for cursor := 0; cursor < len(input); cursor++ {
		if input[cursor] == '$' && cursor+1 < len(input) {
			buf.WriteString(input[checkpoint:cursor])
			read, isVar, advance := readVariableName(input[cursor+1:])
			if isVar {
				buf.WriteString(mapping(read))
			} else {
				buf.WriteString(read)
			}
			cursor += advance
			checkpoint = cursor + 1
		}
	}
	return buf.String() + input[checkpoint:]
}

func readVariableName(input string) (string, bool, int) {
	switch input[0] {
	case '$':
		return "$", false, 1
	case '(':
		for i := 1; i < len(input); i++ {
			if input[i] == ')' {
				return input[1:i], true, i + 1
			}
		}
		return "$(", false, 1
	default:
		return "$" + string(input[0]), false, 1
	}
}
