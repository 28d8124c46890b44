import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOomKill } from './kernel-events';

test('the OOM killer is read from every kernel wording, and only from the kernel\'s', () => {
  assert.deepEqual(parseOomKill('Out of memory: Killed process 4242 (java) total-vm:9203828kB, anon-rss:8102716kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:16420kB oom_score_adj:0'), { pid: 4242, name: 'java' });
  assert.deepEqual(parseOomKill('Memory cgroup out of memory: Killed process 77 (node) total-vm:1kB'), { pid: 77, name: 'node' });
  assert.deepEqual(parseOomKill('Out of memory: Kill process 12 (stress-ng-vm) score 912 or sacrifice child'), { pid: 12, name: 'stress-ng-vm' });
  assert.deepEqual(parseOomKill('Killed process 12 (stress-ng-vm) total-vm:4kB, anon-rss:2kB, file-rss:0kB'), { pid: 12, name: 'stress-ng-vm' });
  assert.deepEqual(parseOomKill('oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice,task=leaky app,pid=31337,uid=1000'), { pid: 31337, name: 'leaky app' });
  assert.equal(parseOomKill('supervisor: killed process 12 (worker) after timeout'), null, "an application's own wording");
  assert.equal(parseOomKill('GET /process 200'), null);
  assert.equal(parseOomKill(''), null);
});
