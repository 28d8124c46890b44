import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRoute, routeHash, terminalHash } from '../../lib/route';

test('#/terminal?host=ID opens terminals on that host; &replay=SID a recording; the hash round-trips', () => {
  assert.equal(terminalHash('web 1/a'), '#/terminal?host=web+1%2Fa');
  assert.deepEqual(parseRoute(terminalHash('web 1/a')), { name: 'terminal', hostId: 'web 1/a' });
  assert.deepEqual(parseRoute('#/terminal?host=h1&replay=abcdefgh12'), { name: 'terminal', hostId: 'h1', replay: 'abcdefgh12' });
  assert.equal(routeHash({ name: 'terminal', hostId: 'h1', replay: 'abcdefgh12' }), '#/terminal?host=h1&replay=abcdefgh12');
  assert.deepEqual(parseRoute('#/terminal?replay=x'), { name: 'fleet' }, 'no host: the fleet');
});
