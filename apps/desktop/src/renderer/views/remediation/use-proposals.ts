/** The runbooks that fit each ranked cause of an incident, read again whenever the causes are re-ranked. */
import { useEffect, useState } from 'react';
import type { RunbookProposal } from '@cerebro/shared/api/contract';
import { useTransport } from '../../transport/context';

/** `causesMs`: when the causes were ranked (the incident's causesMs); a new ranking re-reads the proposals. */
export function useProposals(incidentId: string, causesMs: number): readonly RunbookProposal[] {
  const transport = useTransport();
  const [proposals, setProposals] = useState<readonly RunbookProposal[]>([]);
  useEffect(() => {
    if (causesMs === 0) return;
    let alive = true;
    transport.request('remediationProposals', { query: { incident: incidentId } }).then(
      (v) => alive && setProposals(v.proposals),
      // No remediation engine, or the incident is gone: no "Fix…" buttons, nothing else changes.
      () => alive && setProposals([]),
    );
    return () => {
      alive = false;
    };
  }, [transport, incidentId, causesMs]);
  return proposals;
}
