// Command etcd is the etcd server for the integration tests, built from the published
// go.etcd.io/etcd/server/v3 module: etcd's own main does nothing but call etcdmain.Main.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
