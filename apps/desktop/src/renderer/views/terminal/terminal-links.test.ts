import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRoute, routeHash, terminalHash } from '../../lib/route';
import { castOutputText } from './cast-text';

test('#/terminal?host=ID opens terminals on that host; &replay=SID a recording; the hash round-trips', () => {
  assert.equal(terminalHash('web 1/a'), '#/terminal?host=web+1%2Fa');
  assert.deepEqual(parseRoute(terminalHash('web 1/a')), { name: 'terminal', hostId: 'web 1/a' });
  assert.deepEqual(parseRoute('#/terminal?host=h1&replay=abcdefgh12'), { name: 'terminal', hostId: 'h1', replay: 'abcdefgh12' });
  assert.equal(routeHash({ name: 'terminal', hostId: 'h1', replay: 'abcdefgh12' }), '#/terminal?host=h1&replay=abcdefgh12');
  assert.deepEqual(parseRoute('#/terminal?replay=x'), { name: 'fleet' }, 'no host: the fleet');
});

test('castOutputText joins the output events and skips input, resizes and a cut last line', () => {
  const cast = ['{"version":2,"width":80,"height":24,"timestamp":1}', '[0.1,"o","a\\u001b[1mb"]', '[0.2,"i","ls\\r"]', '[0.3,"r","100x30"]', '[0.4,"o","c"]', '[0.5,"o","d'].join('\n');
  assert.equal(castOutputText(cast), 'a\u001b[1mbc');
});
