package main

// Values as Helm builds them: the chart's values.yaml, deep-merged with each -f file and then
// each --set entry; a null in an override deletes the key (Helm's coalescing). Numbers go
// through JSON as in Helm (sigs.k8s.io/yaml), so templates see float64 as they do there.

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	yaml "gopkg.in/yaml.v3"
)

type vmap = map[string]interface{}

func readYAMLFile(path string) (vmap, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseYAMLMap(data, path)
}

func parseYAMLMap(data []byte, what string) (vmap, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	if raw == nil {
		return vmap{}, nil
	}
	out, err := viaJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	m, ok := out.(vmap)
	if !ok {
		return nil, fmt.Errorf("%s: top level is not a map", what)
	}
	return m, nil
}

// viaJSON turns YAML-decoded data into what encoding/json would produce (float64 numbers).
func viaJSON(v interface{}) (interface{}, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out interface{}
	err = json.Unmarshal(b, &out)
	return out, err
}

// merge copies src into dst: maps merge recursively, nil deletes, anything else replaces.
func merge(dst, src vmap) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, sok := v.(vmap)
		dm, dok := dst[k].(vmap)
		if sok && dok {
			merge(dm, sm)
			continue
		}
		dst[k] = v
	}
}

// setValue applies one `a.b.c=value` entry (Helm's strvals, without list indices).
func setValue(dst vmap, entry string, asString bool) error {
	eq := strings.IndexByte(entry, '=')
	if eq <= 0 {
		return fmt.Errorf("--set %q: expected key=value", entry)
	}
	path := strings.Split(entry[:eq], ".")
	raw := entry[eq+1:]
	var val interface{} = raw
	if !asString {
		switch {
		case raw == "true":
			val = true
		case raw == "false":
			val = false
		case raw == "null":
			val = nil
		default:
			if n, err := strconv.ParseInt(raw, 10, 64); err == nil && (raw == "0" || raw[0] != '0') {
				val = float64(n)
			}
		}
	}
	m := dst
	for i, k := range path {
		if k == "" || strings.ContainsAny(k, "[]") {
			return fmt.Errorf("--set %q: unsupported key %q", entry, k)
		}
		if i == len(path)-1 {
			if val == nil {
				delete(m, k)
			} else {
				m[k] = val
			}
			return nil
		}
		next, ok := m[k].(vmap)
		if !ok {
			next = vmap{}
			m[k] = next
		}
		m = next
	}
	return nil
}
