import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { COMMAND_MODULES, main } from './main.js';
import { registerCommands } from './commands/index.js';
function quietIO() {
    let out = '';
    const sink = { write: (s) => ((out += s), true) };
    return { stdout: sink, stderr: sink, env: {}, cwd: process.cwd(), out: () => out };
}
test('the lazily loaded command table lists exactly the commands registerCommands registers', async () => {
    const all = new Command('meshward');
    registerCommands(all, quietIO(), () => undefined);
    const names = all.commands.map((c) => c.name());
    assert.deepEqual([...COMMAND_MODULES.keys()].sort(), [...names].sort());
    for (const [name, load] of COMMAND_MODULES) {
        const one = new Command('meshward');
        (await load())(one, quietIO(), () => undefined);
        const registered = one.commands.map((c) => c.name());
        assert.ok(registered.includes(name), `${name}'s module registers it`);
        assert.ok(registered.length < names.length, `${name}'s module registers only its own commands (${registered.join(', ')})`);
    }
});
test('help for a single command and for the whole program are the same whether commands load lazily or not', async () => {
    const lazy = quietIO();
    assert.equal(await main(['scan', '--help'], lazy), 0);
    assert.match(lazy.out(), /Usage: meshward scan/);
    const whole = quietIO();
    assert.equal(await main(['--help'], whole), 0);
    for (const name of COMMAND_MODULES.keys())
        assert.match(whole.out(), new RegExp(`^  ${name}\\b`, 'm'), `${name} listed in the root help`);
    const typo = quietIO();
    assert.equal(await main(['scna'], typo), 2);
    assert.match(typo.out(), /Did you mean scan\?/, 'an unknown command still gets a suggestion');
});
