// Command bench times Adyen's official Go library (adyen-go-api-library, its files in ../src, see
// ../SOURCE) verifying HMAC-signed notifications.
//
// Usage: bench WORKLOAD.jsonl [HEADER.jsonl]
// (run.sh builds it in a copy of this module, with no network.)
//
// First every line of the workload, valid or tampered, is parsed and verified and each verdict
// (every item's and the request's) checked against the vectors: a library that rejected a valid
// item, or accepted a tampered one, would make the timing meaningless, so the run stops there.
// Then only the lines with "valid": true are timed. One timed pass parses every body with
// webhook.HandleRequest and verifies every item with hmacvalidator.ValidateHmac: the work a
// webhook endpoint does per request.
//
// The items are taken from the parsed Webhook's NotificationItems directly, not through its
// GetNotificationItems: that method appends the address of its range variable, which before
// Go 1.22's per-iteration loop variables (the library's go.mod asks for 1.23; Debian's Go here
// is older) points every entry at the last item, so a tampered item followed by a valid one
// would pass. Under the library's own Go version the two are the same work.
//
// With HEADER.jsonl (header-signed webhooks: the body's bytes signed, the signature in the
// HmacSignature header), also times hmacvalidator.ValidateHmacPayload(signature, key, body) on
// its valid lines, after checking every line's verdict (a line with no signature is rejected
// before the library is called, as an endpoint would with no header). That figure is
// verification only: the library's handlers for those webhooks parse with other models, not
// among the files taken.
//
// Prints one JSON line per figure to stdout, in the format of the Python and Node benchmarks.
// Set BENCH_SECONDS to change the length of each timed run (default 2.5), ADYEN_LIBRARY the
// library's label in the output.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/adyen/adyen-go-api-library/v21/src/hmacvalidator"
	"github.com/adyen/adyen-go-api-library/v21/src/webhook"
)

const warmup = 300 * time.Millisecond

// One line of a workload file.
type testCase struct {
	Name       string  `json:"name"`
	Key        string  `json:"key"`
	Body       string  `json:"body"`
	Valid      bool    `json:"valid"`
	ItemsValid []bool  `json:"items_valid"` // notifications only
	Signature  *string `json:"signature"`   // header-signed only; nil when the line has none
	Why        string  `json:"why"`
}

func load(path string) ([]testCase, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cases []testCase
	scanner := bufio.NewScanner(bytes.NewReader(data))
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" {
			continue
		}
		var c testCase
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		cases = append(cases, c)
	}
	if err := scanner.Err(); err != nil {
		return nil, err
	}
	if len(valid(cases)) == 0 {
		return nil, fmt.Errorf("%s: no lines with valid: true", path)
	}
	return cases, nil
}

func valid(cases []testCase) []testCase {
	var out []testCase
	for _, c := range cases {
		if c.Valid {
			out = append(out, c)
		}
	}
	return out
}

// items returns the parsed body's items, or nil when the library rejects the body (it does not
// parse, or has no items).
func items(body string) []webhook.NotificationItem {
	notification, err := webhook.HandleRequest(body)
	if err != nil || notification.NotificationItems == nil {
		return nil
	}
	return *notification.NotificationItems
}

// verdicts returns the library's verdict on each item of a body, or nil when the body itself is
// rejected.
func verdicts(c testCase) []bool {
	list := items(c.Body)
	if len(list) == 0 {
		return nil
	}
	v := make([]bool, len(list))
	for i := range list {
		v[i] = hmacvalidator.ValidateHmac(list[i].NotificationRequestItem, c.Key)
	}
	return v
}

func show(v []bool) string {
	if v == nil {
		return "body rejected"
	}
	return fmt.Sprint(v)
}

func equal(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func finishCheck(what string, lines, items int, wrong []string) {
	if len(wrong) > 0 {
		fmt.Fprintf(os.Stderr, "%s: %d verdicts differ from the vectors:\n", what, len(wrong))
		for _, w := range wrong {
			fmt.Fprintf(os.Stderr, "  %s\n", w)
		}
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "%s: every verdict as expected (%d lines, %d items)\n", what, lines, items)
}

// checkNotifications checks every verdict on every line; exits if any differs from the vectors.
func checkNotifications(cases []testCase) {
	var wrong []string
	total := 0
	for _, c := range cases {
		v := verdicts(c)
		accepted := v != nil
		for _, ok := range v {
			accepted = accepted && ok
		}
		total += len(v)
		same := accepted == c.Valid && (v == nil || equal(v, c.ItemsValid))
		if !same {
			wrong = append(wrong, fmt.Sprintf("%s (%s): expected %s, got %s",
				c.Name, c.Why, show(c.ItemsValid), show(v)))
		}
	}
	finishCheck("go", len(cases), total, wrong)
}

func checkHeaders(cases []testCase) {
	var wrong []string
	for _, c := range cases {
		accepted := c.Signature != nil && hmacvalidator.ValidateHmacPayload(*c.Signature, c.Key, c.Body)
		if accepted != c.Valid {
			wrong = append(wrong, fmt.Sprintf("%s (%s): expected %t, got %t",
				c.Name, c.Why, c.Valid, accepted))
		}
	}
	finishCheck("go, header-signed", len(cases), len(cases), wrong)
}

// notificationPass parses every body and verifies every item; returns the items verified.
func notificationPass(cases []testCase) int {
	n := 0
	for i := range cases {
		c := &cases[i]
		notification, err := webhook.HandleRequest(c.Body)
		if err != nil {
			panic(fmt.Sprintf("a valid body did not parse: %s: %v", c.Name, err))
		}
		list := *notification.NotificationItems
		for j := range list {
			if !hmacvalidator.ValidateHmac(list[j].NotificationRequestItem, c.Key) {
				panic("verification failed for a valid item: " + list[j].NotificationRequestItem.PspReference)
			}
			n++
		}
	}
	return n
}

func headerPass(cases []testCase) int {
	n := 0
	for i := range cases {
		c := &cases[i]
		if !hmacvalidator.ValidateHmacPayload(*c.Signature, c.Key, c.Body) {
			panic("verification failed for a valid body: " + c.Name)
		}
		n++
	}
	return n
}

func measure(runtime, library string, pass func([]testCase) int, cases []testCase, seconds float64) {
	itemCount := pass(cases)
	target := time.Duration(seconds * 1e9)

	// Warm-up also calibrates: its mean pass time sizes the timed run, so the timer is read only
	// twice around one block.
	warmPasses := 0
	start := time.Now()
	var elapsed time.Duration
	for elapsed < warmup {
		pass(cases)
		warmPasses++
		elapsed = time.Since(start)
	}
	iterations := int(float64(target) * float64(warmPasses) / float64(elapsed))
	if iterations < 1 {
		iterations = 1
	}

	checked := 0
	start = time.Now()
	for i := 0; i < iterations; i++ {
		checked += pass(cases)
	}
	total := float64(time.Since(start).Nanoseconds())
	if checked != iterations*itemCount {
		panic(fmt.Sprintf("a timed pass verified %d items", checked))
	}

	requests := len(cases)
	out, _ := json.Marshal(struct {
		Runtime      string      `json:"runtime"`
		Library      string      `json:"library"`
		Requests     int         `json:"requests"`
		Items        int         `json:"items"`
		NsPerRequest json.Number `json:"ns_per_request"`
		NsPerItem    json.Number `json:"ns_per_item"`
		Iterations   int         `json:"iterations"`
	}{
		runtime, library, requests, itemCount,
		json.Number(strconv.FormatFloat(total/float64(iterations*requests), 'f', 1, 64)),
		json.Number(strconv.FormatFloat(total/float64(iterations*itemCount), 'f', 1, 64)),
		iterations,
	})
	fmt.Println(string(out))
}

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: bench WORKLOAD.jsonl [HEADER.jsonl]")
		os.Exit(2)
	}
	seconds := 2.5
	if s := os.Getenv("BENCH_SECONDS"); s != "" {
		var err error
		if seconds, err = strconv.ParseFloat(s, 64); err != nil {
			fmt.Fprintln(os.Stderr, "BENCH_SECONDS:", err)
			os.Exit(2)
		}
	}
	library := os.Getenv("ADYEN_LIBRARY")
	if library == "" {
		library = "adyen-go-api-library"
	}

	cases, err := load(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	checkNotifications(cases)
	var headers []testCase
	if len(os.Args) == 3 {
		if headers, err = load(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		checkHeaders(headers)
	}

	measure("go", library, notificationPass, valid(cases), seconds)
	if headers != nil {
		measure("go_header", library, headerPass, valid(headers), seconds)
	}
}
