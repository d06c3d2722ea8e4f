// How long something took or will take, as the views write it.
#pragma once

#include <QString>

// "1:05:09", "4:07", or "–" when it is not known (negative, NaN, absurdly long).
inline QString formatDuration(double seconds) {
  if (!(seconds >= 0.0) || seconds > 1e7) return QStringLiteral("–");
  const auto total = static_cast<long long>(seconds + 0.5);
  const long long h = total / 3600, m = total / 60 % 60, sec = total % 60;
  const QString mmss =
      QStringLiteral("%1:%2").arg(m, h > 0 ? 2 : 1, 10, QLatin1Char('0')).arg(sec, 2, 10, QLatin1Char('0'));
  return h > 0 ? QStringLiteral("%1:%2").arg(h).arg(mmss) : mmss;
}
