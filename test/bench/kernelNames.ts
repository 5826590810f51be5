/**
 * Kernel-like identifier names and workspace/symbol queries for the search benchmark, from a fixed seed.
 *
 * Design: names are drawn the way C names in a large kernel tree look — a subsystem or driver prefix
 * (a vocabulary word, or a made-up abbreviation with digits such as a chip name), then one to four
 * words from a Zipf-weighted vocabulary, joined snake_case; some are CAPS macros, some start with
 * `__`, some end in a number, a few are camelCase or hold a non-ASCII letter. Queries mix the
 * shapes people type: prefixes of names, initials of their words, subsequences, case variants and
 * letters that match little.
 * Guarantees: the same seed gives the same names and queries on every run and machine; names are
 * distinct; query lengths are spread over 1..10 in turn.
 * Used by the bench (symbolSearch.ts) and by tests that want realistic name shapes.
 */
import { seededRandom } from '../../server/src/index/seededRandom.js';

const WORDS = ('dev get set init exit alloc free lock unlock irq pci usb net skb buf reg read write mutex spin ' +
  'list head node page mem dma map unmap ops drv probe remove clk gpio i2c spi phy eth tx rx queue cfg ctrl ' +
  'status ext4 btrfs xfs nfs inode file super block sb bio req cmd data info priv state mode type flags ' +
  'count size len addr offset base start end entry table hash key val value port link bus dev_id id num ' +
  'max min timer work wait event notify handler callback cb put hold ref kref release open close ioctl ' +
  'poll mmap fault sync flush dirty clean wb journal trans inode_info dentry path mount fs vfs sched task ' +
  'cpu rq cgroup pid uid gid cred sec audit trace perf bpf prog insn jit verifier map_fd attr stat stats ' +
  'enable disable on off start stop reset resume suspend pm runtime power regulator clock rate div mux ' +
  'pll fw firmware load unload update config setup teardown attach detach bind unbind register ' +
  'unregister create destroy new del add insert erase find lookup search match cmp copy move swap ' +
  'zero fill clear test check validate verify parse format print dump show store debug debugfs sysfs ' +
  'proc kobj kobject attr_group slab kmem cache pool chunk frag seg sg sgl iov vec ring desc wq ' +
  'tasklet softirq napi poll_list csum hdr mac vlan tcp udp ip ipv4 ipv6 sock sk route neigh arp ' +
  'nf conntrack xt filter rule chain policy xfrm crypto cipher hash_alg aead shash skcipher rng ' +
  'drm gem fb crtc plane connector encoder mode_set vblank fence job sched_entity ttm bo vram gtt ' +
  'snd pcm codec dai card kcontrol widget dapm jack hda amp mixer volume ' +
  'scsi host target lun sense cdb ata port_ops nvme ctrlr ns blk mq tag rq_list elevator iosched ' +
  'acpi of fwnode property dt node_ptr platform pdev pdata resource res io ioremap iomem mmio ' +
  'atomic refcount rcu seq barrier percpu this_cpu smp ipi hotplug online offline numa zone lru ' +
  'folio vma mm pgd pud pmd pte tlb hugetlb swap shmem anon file_ra readahead writeback').split(' ');

/** Made-up subsystem and chip prefixes: syllables and digits, as `mlx5`, `rtw89`, `qla2xxx`, `hns3`. */
function prefixes(rnd: () => number, n: number): string[] {
  const syl = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u',
    'v', 'w', 'x', 'y', 'z', 'mt', 'rt', 'ql', 'nv', 'am', 'ix', 'hn', 'mlx', 'brc', 'ath', 'iwl', 'bnx', 'cx', 'sun',
    'mv', 'tg', 'lp', 'st', 'sd', 'em', 'sm', 'dw', 'ti', 'imx', 'rk', 'meson', 'tegra', 'exynos', 'omap', 'qcom'];
  const out = new Set<string>();
  while (out.size < n) {
    let s = syl[Math.floor(rnd() * syl.length)]!;
    const more = Math.floor(rnd() * 3);
    for (let i = 0; i < more; i++) s += syl[Math.floor(rnd() * 25)]!;
    if (rnd() < 0.5) s += String(Math.floor(rnd() * (rnd() < 0.5 ? 10 : 10000)));
    if (rnd() < 0.1) s += 'xx';
    out.add(s);
  }
  return [...out];
}

/** A Zipf-like pick from `xs` (early entries much more often). */
function zipf(rnd: () => number, xs: readonly string[]): string {
  return xs[Math.floor(xs.length * rnd() ** 2.2)]!;
}

/** `count` distinct kernel-like names from `seed` (see header). */
export function kernelNames(count: number, seed = 1): string[] {
  const rnd = seededRandom(seed);
  const pre = prefixes(rnd, Math.max(64, Math.ceil(count / 500)));
  const seen = new Set<string>();
  const out: string[] = [];
  let attempts = 0;
  while (out.length < count) {
    if (++attempts > count * 50) throw new Error('kernelNames: vocabulary too small for the count asked');
    const words: string[] = [];
    const r = rnd();
    if (r < 0.7) words.push(rnd() < 0.6 ? zipf(rnd, pre) : zipf(rnd, WORDS));
    const n = 1 + Math.floor(rnd() * 3) + (rnd() < 0.2 ? 1 : 0);
    for (let i = 0; i < n; i++) words.push(zipf(rnd, WORDS));
    let s = words.join('_');
    const style = rnd();
    if (style < 0.14) s = s.toUpperCase();
    else if (style < 0.22) s = `__${s}`;
    else if (style < 0.25) s = `_${s}`;
    else if (style < 0.29) s = words[0]! + words.slice(1).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
    else if (style < 0.2905) s = `${s}_é`;
    if (rnd() < 0.18) s += String(Math.floor(rnd() * (rnd() < 0.7 ? 10 : 1000)));
    if (seen.has(s)) continue;
    seen.add(s);
    out.push(s);
  }
  return out;
}

/**
 * `count` queries over `names` with lengths 1..10 in turn: prefixes (some in other case), initials
 * of the words, subsequences, and random letters (see header).
 */
export function kernelQueries(names: readonly string[], count: number, seed = 2): string[] {
  const rnd = seededRandom(seed);
  const out: string[] = [];
  const pickName = () => names[Math.floor(rnd() * names.length)]!;
  for (let i = 0; out.length < count; i++) {
    const len = 1 + (i % 10);
    const kind = rnd();
    let q: string;
    if (kind < 0.4) {
      q = pickName().slice(0, len);
      if (rnd() < 0.25) q = rnd() < 0.5 ? q.toUpperCase() : q.toLowerCase();
    } else if (kind < 0.6) {
      // the first letters of the words, or the first word and then initials
      const name = pickName();
      const parts = name.split(/_+/).filter(Boolean);
      q = rnd() < 0.5 ? parts.map((p) => p[0]!).join('') : parts[0]! + parts.slice(1).map((p) => p[0]!).join('');
      q = q.slice(0, len);
    } else if (kind < 0.85) {
      const name = pickName();
      let s = '';
      for (let j = 0; j < name.length && s.length < len; j++) if (rnd() < len / name.length + 0.1) s += name[j];
      q = s || name.slice(0, 1);
    } else {
      q = '';
      for (let j = 0; j < len; j++) q += 'abcdefghijklmnopqrstuvwxyz_'[Math.floor(rnd() * 27)];
    }
    out.push(q);
  }
  return out;
}
