/**
 * latestOnly numbers a screen's loads: each call starts one and returns
 * whether it is still the latest, to ask once its answer is in. Of two
 * filters chosen in quick succession only the later one's answer is shown,
 * whichever comes back first.
 */
export function latestOnly(): () => () => boolean {
  let latest = 0
  return () => {
    const mine = ++latest
    return () => mine === latest
  }
}
