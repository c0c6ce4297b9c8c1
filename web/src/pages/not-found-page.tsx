import { EmptyState } from '../components/feedback.tsx';
import { Link } from '../router.tsx';

/** A path the console does not know. */
export function NotFoundPage() {
  return (
    <EmptyState title="There is no page here" action={<Link to="/customers" className="button primary">Find a customer</Link>}>
      The address may be mistyped, or the page may have moved.
    </EmptyState>
  );
}
