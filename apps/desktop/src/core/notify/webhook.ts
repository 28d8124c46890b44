/** POST the Mattermost/Slack-compatible JSON body; anything but a 2xx answer within the timeout is a failure. */
import http from 'node:http';
import https from 'node:https';
import type { WebhookChannel } from './config';
import { webhookBody, type NotificationMessage } from './message';

export function sendWebhook(ch: WebhookChannel, m: NotificationMessage): Promise<void> {
  const body = Buffer.from(JSON.stringify(webhookBody(m)));
  const url = new URL(ch.url);
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, 'user-agent': 'cerebro-console' }, timeout: ch.timeoutMs, ...(url.protocol === 'https:' ? { rejectUnauthorized: ch.rejectUnauthorized } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (text.length < 300) text += d;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`webhook ${url.host} answered HTTP ${status}${text ? `: ${text.slice(0, 200).trim()}` : ''}`));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`webhook ${url.host} did not answer within ${ch.timeoutMs} ms`)));
    req.on('error', (e) => reject(new Error(`webhook ${url.host}: ${e.message}`)));
    req.end(body);
  });
}
