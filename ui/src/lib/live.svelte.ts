// Live refresh: calls `tick` every `ms` while the page is visible, so runs being logged
// appear without a reload.

export function poll(tick: () => void, ms = 2000): () => void {
  const id = setInterval(() => {
    if (document.visibilityState === 'visible') tick();
  }, ms);
  return () => clearInterval(id);
}
