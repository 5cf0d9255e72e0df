// helm-render renders a chart directory the way `helm template` does, for the chart tests:
// Go's text/template with sprig and Helm's own functions and built-in objects. It prints
// {"manifests":[{"name","content"}],"notes","values"} as JSON (values: the merged values,
// which the tests check against values.schema.json as Helm does before rendering); a template error exits 1 with the
// message (template name and line, as Helm reports it) on stderr.
//
//	helm-render -chart DIR [-f values.yaml]... [-set a.b=c]... [-set-string k=v]...
//	            [-name REL] [-namespace NS] [-api-versions group/version]... [-kube-version v1.30.0]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	yaml "gopkg.in/yaml.v3"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

// Chart is .Chart: the Chart.yaml fields templates use, capitalised as Helm's chart.Metadata.
type Chart struct {
	Name        string `yaml:"name"`
	Version     string `yaml:"version"`
	AppVersion  string `yaml:"appVersion"`
	Description string `yaml:"description"`
	Type        string `yaml:"type"`
	KubeVersion string `yaml:"kubeVersion"`
	APIVersion  string `yaml:"apiVersion"`
}

type Release struct {
	Name, Namespace, Service string
	IsInstall, IsUpgrade     bool
	Revision                 int
}

type KubeVersion struct{ Version, Major, Minor, GitVersion string }

func (k KubeVersion) String() string { return k.Version }

type APIVersions []string

// Has is true for "group/version" or "group/version/Kind" the cluster serves.
func (a APIVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions APIVersions
}

type Template struct{ Name, BasePath string }

// Files is .Files: the chart's files outside templates/.
type Files map[string][]byte

func (f Files) Get(name string) string      { return string(f[name]) }
func (f Files) GetBytes(name string) []byte { return f[name] }

func (f Files) Glob(pattern string) Files {
	out := Files{}
	for name, data := range f {
		if ok, _ := path.Match(pattern, name); ok {
			out[name] = data
		}
	}
	return out
}

// AsConfig renders the files as a ConfigMap's data (base names as keys).
func (f Files) AsConfig() string {
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = string(data)
	}
	return toYAML(m)
}

func (f Files) Lines(name string) []string {
	return strings.Split(strings.TrimRight(string(f[name]), "\n"), "\n")
}

// Helm's default API versions for `helm template` (a subset: the built-in groups charts test for).
var builtinAPIs = []string{"v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1",
	"admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "coordination.k8s.io/v1", "storage.k8s.io/v1",
	"autoscaling/v2", "scheduling.k8s.io/v1", "certificates.k8s.io/v1", "discovery.k8s.io/v1"}

func main() {
	var chartDir, name, namespace, kubeVersion string
	var valueFiles, sets, setStrings, apis list
	var valuesOnly bool
	flag.StringVar(&chartDir, "chart", "", "chart directory")
	flag.StringVar(&name, "name", "release-name", "release name")
	flag.StringVar(&namespace, "namespace", "default", "release namespace")
	flag.StringVar(&kubeVersion, "kube-version", "v1.30.0", "Kubernetes version")
	flag.Var(&valueFiles, "f", "values file (repeatable)")
	flag.Var(&sets, "set", "a.b=value (repeatable)")
	flag.Var(&setStrings, "set-string", "a.b=value kept as a string (repeatable)")
	flag.Var(&apis, "api-versions", "extra API version (repeatable)")
	flag.BoolVar(&valuesOnly, "values-only", false, "print only the merged values (what Helm checks against values.schema.json before rendering)")
	flag.Parse()
	if err := run(chartDir, name, namespace, kubeVersion, valueFiles, sets, setStrings, apis, valuesOnly); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run(chartDir, name, namespace, kubeVersion string, valueFiles, sets, setStrings, apis []string, valuesOnly bool) error {
	var chart Chart
	meta, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(meta, &chart); err != nil {
		return fmt.Errorf("Chart.yaml: %v", err)
	}
	values, err := readYAMLFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return err
	}
	for _, f := range valueFiles {
		m, err := readYAMLFile(f)
		if err != nil {
			return err
		}
		merge(values, m)
	}
	for _, s := range sets {
		if err := setValue(values, s, false); err != nil {
			return err
		}
	}
	for _, s := range setStrings {
		if err := setValue(values, s, true); err != nil {
			return err
		}
	}
	if valuesOnly {
		return json.NewEncoder(os.Stdout).Encode(map[string]interface{}{"manifests": []interface{}{}, "notes": "", "values": values})
	}

	templates := map[string]string{}
	files := Files{}
	err = filepath.Walk(chartDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(chartDir, p)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasPrefix(rel, "templates/") {
			templates[chart.Name+"/"+rel] = string(data)
		} else if rel != "Chart.yaml" && rel != "values.yaml" {
			files[rel] = data
		}
		return nil
	})
	if err != nil {
		return err
	}

	var t *template.Template
	t = template.New("gotpl").Option("missingkey=zero").Funcs(funcMap(&t))
	names := make([]string, 0, len(templates))
	for n := range templates {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := t.New(n).Parse(templates[n]); err != nil {
			return err
		}
	}

	major, minor := "1", "30"
	if parts := strings.SplitN(strings.TrimPrefix(kubeVersion, "v"), ".", 3); len(parts) >= 2 {
		major, minor = parts[0], parts[1]
	}
	top := func(tplName string) map[string]interface{} {
		return map[string]interface{}{
			"Values":       values,
			"Chart":        chart,
			"Release":      Release{Name: name, Namespace: namespace, Service: "Helm", IsInstall: true, Revision: 1},
			"Capabilities": Capabilities{KubeVersion{kubeVersion, major, minor, kubeVersion}, append(APIVersions(builtinAPIs), apis...)},
			"Files":        files,
			"Template":     Template{Name: tplName, BasePath: chart.Name + "/templates"},
		}
	}

	type manifest struct {
		Name    string `json:"name"`
		Content string `json:"content"`
	}
	out := struct {
		Manifests []manifest `json:"manifests"`
		Notes     string     `json:"notes"`
		Values    vmap       `json:"values"`
	}{Manifests: []manifest{}, Values: values}
	for _, n := range names {
		base := path.Base(n)
		if strings.HasPrefix(base, "_") {
			continue
		}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, n, top(n)); err != nil {
			return err
		}
		content := strings.ReplaceAll(buf.String(), "<no value>", "")
		if base == "NOTES.txt" {
			out.Notes = content
			continue
		}
		if strings.TrimSpace(content) == "" {
			continue
		}
		out.Manifests = append(out.Manifests, manifest{n, content})
	}
	enc := json.NewEncoder(os.Stdout)
	return enc.Encode(out)
}
