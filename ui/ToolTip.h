// Tooltips of more than a few words: Qt wraps rich text to a readable width,
// where a plain-text tooltip runs across the screen on one line.
#pragma once

#include <QString>

inline QString wrappedToolTip(const QString& text) {
  return QStringLiteral("<p>") + text.toHtmlEscaped() + QStringLiteral("</p>");
}
