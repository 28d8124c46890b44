/** While the fleet view is shown: the fleet figures, refreshed when hosts report, at most every 5 s. */
import { fleetFailed, fleetLoaded } from '../state/actions';
import { useRouteRefreshedOnHostEvents } from './use-route-feed';

const FLEET_EVERY_MS = 5_000;

export function useFleetFeed(): void {
  useRouteRefreshedOnHostEvents('fleet', fleetLoaded, fleetFailed, FLEET_EVERY_MS);
}
