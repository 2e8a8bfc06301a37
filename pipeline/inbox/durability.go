package inbox

import (
	"path/filepath"

	"countybrief/pipeline/safefile"
)

// durability gathers the files and folders whose new names or content must
// reach the disk, so that a batch pays one flush for many files instead of
// a few fsyncs per file (on a 2-core office PC, six fsyncs per file put
// 7,300 files at over a minute).
type durability struct {
	fileList []string
	dirSet   map[string]bool
	dirList  []string
	// refSet and refList name one path on each file system to flush; a
	// path whose file system is known from another's needs no look-up.
	refSet  map[string]bool
	refList []string
}

func (d *durability) file(path string) {
	d.fileList = append(d.fileList, path)
	// The folder stands for the file system: a file may be one its sender
	// made unreadable, which cannot be opened to flush.
	d.ref(filepath.Dir(path))
}

func (d *durability) dirs(paths ...string) {
	for _, p := range paths {
		if d.addDir(p) {
			d.ref(p)
		}
	}
}

// moved notes a file and folders that a rename proved to be on the file
// system of ref: renames do not cross file systems. file may be "".
func (d *durability) moved(ref, file string, dirs ...string) {
	if file != "" {
		d.fileList = append(d.fileList, file)
	}
	for _, p := range dirs {
		d.addDir(p)
	}
	d.ref(ref)
}

func (d *durability) addDir(p string) bool {
	if d.dirSet == nil {
		d.dirSet = map[string]bool{}
	}
	if d.dirSet[p] {
		return false
	}
	d.dirSet[p] = true
	d.dirList = append(d.dirList, p)
	return true
}

func (d *durability) ref(p string) {
	if d.refSet == nil {
		d.refSet = map[string]bool{}
	}
	if !d.refSet[p] {
		d.refSet[p] = true
		d.refList = append(d.refList, p)
	}
}

func (d *durability) sync() error {
	return safefile.Flush(d.fileList, d.dirList, d.refList)
}
