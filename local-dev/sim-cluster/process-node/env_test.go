package main

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestExpandLikeKubelet(t *testing.T) {
	env := &envList{}
	env.set("A", "1")
	env.set("B", "x y")
	for in, want := range map[string]string{
		"$(A)":          "1",
		"pre-$(B)-post": "pre-x y-post",
		"$(MISSING)":    "$(MISSING)",
		"$$(A)":         "$(A)",
		"$(A":           "$(A",
		"a$b":           "a$b",
		"$":             "$",
	} {
		if got := expand(in, env.mapping); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResolveEnv(t *testing.T) {
	optional := true
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1",
			Labels: map[string]string{"batch.kubernetes.io/job-name": "job-1"}},
		Spec: corev1.PodSpec{NodeName: "n1"},
	}
	c := &corev1.Container{
		EnvFrom: []corev1.EnvFromSource{{Prefix: "CM_", ConfigMapRef: &corev1.ConfigMapEnvSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}}}},
		Env: []corev1.EnvVar{
			{Name: "JOB", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['batch.kubernetes.io/job-name']"}}},
			{Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
			{Name: "KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "k"}}},
			{Name: "TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "absent", Optional: &optional}}},
			{Name: "BOTH", Value: "$(JOB)@$(NODE)/$(CM_X)"},
		},
	}
	client := fake.NewSimpleClientset(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"}, Data: map[string][]byte{"k": []byte("secret-value")}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "ns"}, Data: map[string]string{"X": "cmx"}},
	)
	env, err := newEnvResolver(client, pod, nil).resolve(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	got := env.pairs()
	want := "CM_X=cmx JOB=job-1 NODE=n1 KEY=secret-value BOTH=job-1@n1/cmx"
	if strings.Join(got, " ") != want {
		t.Errorf("env = %q, want %q", strings.Join(got, " "), want)
	}

	c.Env = append(c.Env, corev1.EnvVar{Name: "MISSING", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}, Key: "k"}}})
	_, err = newEnvResolver(client, pod, nil).resolve(context.Background(), c)
	if err == nil || err.Error() != `secret "nope" not found` {
		t.Errorf("missing secret error = %v", err)
	}
}

func TestPathMapRewrite(t *testing.T) {
	m := pathMap{
		{"/work/sub", "/h/sub"},
		{"/work", "/h/work"},
		{"/dev/termination-log", "/h/tl"},
		{"/h", "/never-applied-to-a-replacement"},
	}
	for in, want := range map[string]string{
		"/work":                        "/h/work",
		"/work/input/a.ipynb":          "/h/work/input/a.ipynb",
		"/work/sub/x":                  "/h/sub/x",
		"/workspace":                   "/workspace",
		"/dev/termination-log":         "/h/tl",
		"relative/work":                "relative/work",
		"--out=/work/o.ipynb":          "--out=/h/work/o.ipynb",
		"PYTHONPATH=/work/a:/work/sub": "PYTHONPATH=/h/work/a:/h/sub",
		"echo x > /dev/termination-log; cat '/work/f'": "echo x > /h/tl; cat '/h/work/f'",
		"/workdir /work": "/workdir /h/work",
	} {
		if got := m.rewrite(in); got != want {
			t.Errorf("rewrite(%q) = %q, want %q", in, got, want)
		}
	}
}
