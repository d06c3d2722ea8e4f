// EnglishPlurals: the English plural forms of the application's messages.
// A message with a count writes its noun as "file(s)" or "process(es)" and
// passes the count to tr(); with no translation loaded Qt would show the
// parentheses as written. Installed on the application, this translator
// gives "1 file" and "3 files" for every such message, without a compiled
// translation file.
#pragma once

#include <QTranslator>

class EnglishPlurals : public QTranslator {
  Q_OBJECT

 public:
  using QTranslator::QTranslator;

  // The message with "(s)" and "(es)" resolved for n; null (Qt's own text) when n < 0 or it has neither.
  QString translate(const char* context, const char* sourceText, const char* disambiguation = nullptr,
                    int n = -1) const override;
  bool isEmpty() const override { return false; }
};
