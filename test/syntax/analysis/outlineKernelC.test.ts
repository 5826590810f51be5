/**
 * The C outline of kernel shapes that tree-sitter-c's error recovery misreads (grammars/c.scm): a
 * function behind an attribute macro (`static int __init f(void)`), functions made by an upper-case
 * macro at file level (`SYSCALL_DEFINE2(…) {…}`), typedefs of function pointers. Each is a function
 * (or type) with its own name; calls and macro loops in a body are never definitions.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { outline } from '../../../server/src/syntax/analysis/index.js';
import { releaseAll, shape, withTree } from './demo.js';

after(releaseAll);

const outlineC = (text: string): Promise<string[]> => withTree('c', text, (tree) => shape(outline(tree, 'c')));

describe('C outline of kernel shapes', () => {
  test('`static int __init f(void)` and `__exit`: the function, and no variable named after the macro', async () => {
    const text = [
      'static int __init foo_init(void)',
      '{',
      '\treturn register_foo(1);',
      '}',
      'static void __exit foo_exit(void)',
      '{',
      '\tunregister_foo();',
      '}',
      'void __init',
      'paging_init(void)',
      '{',
      '}',
      '#ifdef CONFIG_FOO',
      'acpi_status ACPI_INIT_FUNCTION acpi_start(void)',
      '{',
      '}',
      '#endif',
      'int __init with_args(int a, char **b)',
      '{',
      '\treturn 0;',
      '}',
      '',
    ].join('\n');
    assert.deepEqual(await outlineC(text), [
      'Function foo_init', 'Function foo_exit', 'Function paging_init', 'Function acpi_start', 'Function with_args',
    ]);
  });

  test('the name span of a function behind `__init` is its name', async () => {
    const symbols = await withTree('c', 'static int __init foo_init(void)\n{\n}\n', (tree) => outline(tree, 'c'));
    assert.equal(symbols.length, 1);
    assert.deepEqual(symbols[0]!.nameSpan, [0, 18, 0, 26]);
  });

  test('an upper-case macro that makes a function, at file level or in a top-level #if', async () => {
    const text = [
      'SYSCALL_DEFINE2(getgroups, int, gidsetsize, gid_t __user *, grouplist)',
      '{',
      '\treturn do_getgroups(gidsetsize);',
      '}',
      'BUILD_TRAP_HANDLER(bug)',
      '{',
      '\tint x = 1;',
      '}',
      '#ifdef CONFIG_COMPAT',
      'COMPAT_SYSCALL_DEFINE0(vhangup)',
      '{',
      '}',
      '#endif',
      '',
    ].join('\n');
    assert.deepEqual(await outlineC(text), [
      'Function SYSCALL_DEFINE2', 'Function BUILD_TRAP_HANDLER', 'Function COMPAT_SYSCALL_DEFINE0',
    ]);
  });

  test('typedefs of pointers, arrays and functions, and pointers to functions', async () => {
    const text = [
      'typedef struct drm_obj *',
      '(*create_fn)(struct drm_priv *i915, u32 size);',
      'typedef unsigned char *(*decoder_t) (unsigned char *, void *);',
      'typedef int handler_t(int);',
      'typedef struct node *node_p;',
      'typedef int row_t[4];',
      '',
    ].join('\n');
    assert.deepEqual(await outlineC(text), [
      'TypeParameter create_fn', 'TypeParameter decoder_t', 'TypeParameter handler_t', 'TypeParameter node_p',
      'TypeParameter row_t',
    ]);
  });

  test('calls and macro loops in a body are not definitions, whatever their case', async () => {
    const text = [
      'static void walk(struct list_head *head)',
      '{',
      '\tlist_for_each(p) {',
      '\t\tvisit(p);',
      '\t}',
      '\tfor_each_cpu(cpu, mask) {',
      '\t\tFLUSH(cpu);',
      '\t}',
      '\tLIST_FOREACH(p) {',
      '\t}',
      '#ifdef CONFIG_FOO',
      '\tSCAN(p) {',
      '\t}',
      '#endif',
      '}',
      '',
    ].join('\n');
    assert.deepEqual(await outlineC(text), ['Function walk']);
  });

  test('a macro loop that recovery puts at file level is still no definition', async () => {
    // A stray `}` closes the body early, so the loops below land at file level.
    const text = [
      'static void stats(int *data)',
      '{',
      '\t}',
      '\tef4_for_each_channel(channel, efx) {',
      '\t\tdata++;',
      '\t}',
      '\tlist_for_each(p) {',
      '\t}',
      '\tTAILQ_FOREACH(p, head, link) {',
      '\t}',
      '}',
      '',
    ].join('\n');
    assert.deepEqual(await outlineC(text), ['Function stats']);
  });

  test('a file-level variable is still a variable; a declaration whose `;` is missing is not', async () => {
    assert.deepEqual(await outlineC('int counter;\nstatic int limit = 1;\nint pending\n'),
      ['Variable counter', 'Variable limit']);
  });
});
