package main

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// checkDisplay reports why no window can be opened, in words for the
// user: on systems whose windows go through X11, DISPLAY unset or naming a
// server that does not answer. It returns nil where it cannot tell
// (macOS, Windows).
func checkDisplay(getenv func(string) string) error {
	switch runtime.GOOS {
	case "darwin", "windows", "ios", "android", "js":
		return nil
	}
	d := getenv("DISPLAY")
	if d == "" {
		return errors.New("no display: DISPLAY is not set (run it in a desktop session, or under xvfb-run -a for a virtual screen)")
	}
	addrs, err := xAddrs(d)
	if err != nil {
		return fmt.Errorf("no display: DISPLAY=%q: %v", d, err)
	}
	var last error
	for _, a := range addrs {
		c, err := net.DialTimeout(a.network, a.addr, 2*time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		last = err
	}
	return fmt.Errorf("no display: no X server answers at DISPLAY=%q (%v)", d, last)
}

// netAddr is an address to dial.
type netAddr struct{ network, addr string }

// xAddrs returns where the X server named by DISPLAY ([host]:N[.screen])
// listens: a Unix socket (file and, on Linux, abstract) for a local
// display, TCP port 6000+N otherwise.
func xAddrs(display string) ([]netAddr, error) {
	i := strings.LastIndexByte(display, ':')
	if i < 0 {
		return nil, errors.New("want [host]:display[.screen]")
	}
	host, num := display[:i], display[i+1:]
	if j := strings.IndexByte(num, '.'); j >= 0 {
		num = num[:j]
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("display number %q is not a number", num)
	}
	if host == "" || host == "unix" {
		sock := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		addrs := []netAddr{{"unix", sock}}
		if runtime.GOOS == "linux" {
			addrs = append(addrs, netAddr{"unix", "@" + sock})
		}
		return addrs, nil
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return []netAddr{{"tcp", net.JoinHostPort(host, strconv.Itoa(6000+n))}}, nil
}
