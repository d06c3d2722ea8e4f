#include "EnglishPlurals.h"

QString EnglishPlurals::translate(const char*, const char* sourceText, const char*, int n) const {
  if (n < 0 || !sourceText) return {};
  QString text = QString::fromUtf8(sourceText);
  const QString es = QStringLiteral("(es)"), s = QStringLiteral("(s)");
  if (!text.contains(es) && !text.contains(s)) return {};
  const bool one = n == 1;
  text.replace(es, one ? QString() : QStringLiteral("es"));
  text.replace(s, one ? QString() : QStringLiteral("s"));
  return text;
}
