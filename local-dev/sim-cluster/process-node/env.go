package main

// Environment resolution the way the kubelet does it (pkg/kubelet/kubelet_pods.go
// makeEnvironmentVariables): envFrom first, then env in order, each value
// $(VAR)-expanded against the variables defined before it.

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
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
	client kubernetes.Interface
	pod    *corev1.Pod
	node   *corev1.Node
	data   map[string]map[string]string // "Secret/name" or "ConfigMap/name": its data
}

func newEnvResolver(client kubernetes.Interface, pod *corev1.Pod, node *corev1.Node) *envResolver {
	return &envResolver{client: client, pod: pod, node: node, data: map[string]map[string]string{}}
}

// lookup returns the data of the Secret or ConfigMap (kind "Secret" or
// "ConfigMap") in the pod's namespace, fetched once per resolver.
func (r *envResolver) lookup(ctx context.Context, kind, name string) (map[string]string, error) {
	if d, ok := r.data[kind+"/"+name]; ok {
		return d, nil
	}
	var d map[string]string
	var err error
	if kind == "Secret" {
		var s *corev1.Secret
		if s, err = r.client.CoreV1().Secrets(r.pod.Namespace).Get(ctx, name, metav1.GetOptions{}); err == nil {
			d = make(map[string]string, len(s.Data))
			for k, v := range s.Data {
				d[k] = string(v)
			}
		}
	} else {
		var cm *corev1.ConfigMap
		if cm, err = r.client.CoreV1().ConfigMaps(r.pod.Namespace).Get(ctx, name, metav1.GetOptions{}); err == nil {
			d = cm.Data
		}
	}
	if apierrors.IsNotFound(err) {
		// The kubelet's wording, e.g. `secret "foo" not found`.
		return nil, &configError{fmt.Sprintf("%s %q not found", strings.ToLower(kind), name)}
	}
	if err != nil {
		return nil, err
	}
	r.data[kind+"/"+name] = d
	return d, nil
}

func isNotFoundConfig(err error) bool {
	_, ok := err.(*configError)
	return ok
}

// envList is an ordered environment: setting a name again replaces its value
// but keeps its first position, as the kubelet does.
type envList struct {
	order  []string
	values map[string]string
}

func (l *envList) set(name, value string) {
	if l.values == nil {
		l.values = map[string]string{}
	}
	if _, seen := l.values[name]; !seen {
		l.order = append(l.order, name)
	}
	l.values[name] = value
}

// mapping is the lookup for expand: the value of a defined name, $(NAME)
// verbatim otherwise.
func (l *envList) mapping(name string) string {
	if v, ok := l.values[name]; ok {
		return v
	}
	return "$(" + name + ")"
}

// pairs returns the variables as NAME=value, in order.
func (l *envList) pairs() []string {
	var out []string
	for _, k := range l.order {
		out = append(out, k+"="+l.values[k])
	}
	return out
}

// resolve returns the container's environment, in order.
func (r *envResolver) resolve(ctx context.Context, c *corev1.Container) (*envList, error) {
	env := &envList{}
	for _, from := range c.EnvFrom {
		var kind, name string
		var optional *bool
		switch {
		case from.ConfigMapRef != nil:
			kind, name, optional = "ConfigMap", from.ConfigMapRef.Name, from.ConfigMapRef.Optional
		case from.SecretRef != nil:
			kind, name, optional = "Secret", from.SecretRef.Name, from.SecretRef.Optional
		default:
			continue
		}
		data, err := r.lookup(ctx, kind, name)
		if err != nil {
			if optional != nil && *optional && isNotFoundConfig(err) {
				continue
			}
			return nil, err
		}
		for _, k := range sortedKeys(data) {
			env.set(from.Prefix+k, data[k])
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env.set(e.Name, expand(e.Value, env.mapping))
			continue
		}
		v, skip, err := r.valueFrom(ctx, c, e.ValueFrom)
		if err != nil {
			return nil, err
		}
		if !skip {
			env.set(e.Name, v)
		}
	}
	return env, nil
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
		return r.keyRef(ctx, "Secret", ref.Name, ref.Key, ref.Optional)
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		return r.keyRef(ctx, "ConfigMap", ref.Name, ref.Key, ref.Optional)
	}
	return "", true, nil
}

// keyRef is a secretKeyRef or configMapKeyRef: the value, or skip when an
// optional reference does not resolve.
func (r *envResolver) keyRef(ctx context.Context, kind, name, key string, optionalRef *bool) (string, bool, error) {
	optional := optionalRef != nil && *optionalRef
	data, err := r.lookup(ctx, kind, name)
	if err != nil {
		if optional && isNotFoundConfig(err) {
			return "", true, nil
		}
		return "", false, err
	}
	v, ok := data[key]
	if !ok {
		if optional {
			return "", true, nil
		}
		return "", false, &configError{fmt.Sprintf("couldn't find key %v in %v %v/%v", key, kind, r.pod.Namespace, name)}
	}
	return v, false, nil
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

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
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
