#include "RunLogView.h"

#include <QFontDatabase>
#include <QScrollBar>

namespace {

constexpr int kMaxLogLines = 10000;

}  // namespace

RunLogView::RunLogView(QWidget* parent) : QPlainTextEdit(parent) {
  setObjectName(QStringLiteral("logView"));
  setReadOnly(true);
  setMaximumBlockCount(kMaxLogLines);
  setLineWrapMode(QPlainTextEdit::NoWrap);
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  // Three lines at least (less than a scroll area asks for), so the charts keep room on short screens.
  setMinimumHeight(3 * fontMetrics().lineSpacing() + 2 * frameWidth());
}

void RunLogView::addLine(const QString& line) { m_pending.append(line); }

// QPlainTextEdit follows the end only while its last line is in sight, and
// the horizontal scroll bar appearing under it hides a line: it follows here
// unless the user scrolled up.
void RunLogView::flush() {
  if (m_pending.isEmpty()) return;
  QScrollBar* bar = verticalScrollBar();
  const bool follow = bar->value() >= bar->maximum() - 1;
  appendPlainText(m_pending.join(QLatin1Char('\n')));
  m_pending.clear();
  if (follow) bar->setValue(bar->maximum());
}
