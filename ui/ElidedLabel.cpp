#include "ElidedLabel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QEvent>
#include <QFontMetrics>
#include <QPainter>
#include <QStyle>

#include <algorithm>

namespace {

// Enough for a word and "…" at the least, a usual line at the most: the text
// may be longer, but the label never asks for more.
constexpr int kMinimumChars = 4;
constexpr int kPreferredChars = 80;

}  // namespace

ElidedLabel::ElidedLabel(QWidget* parent) : ElidedLabel(QString(), parent) {}

ElidedLabel::ElidedLabel(const QString& text, QWidget* parent) : QFrame(parent) {
  setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
  // The text cannot be selected, so the menu copies it.
  auto* copy = new QAction(tr("&Copy"), this);
  connect(copy, &QAction::triggered, this, [this] { QApplication::clipboard()->setText(m_text); });
  addAction(copy);
  setContextMenuPolicy(Qt::ActionsContextMenu);
  setText(text);
}

void ElidedLabel::setText(const QString& text) {
  if (text == m_text) return;
  m_text = text;
  updateGeometry();
  elide();
}

void ElidedLabel::setElideMode(Qt::TextElideMode mode) {
  m_mode = mode;
  elide();
}

QSize ElidedLabel::sizeForLines(int width) const {
  const int lines = std::max<qsizetype>(1, m_text.split(QLatin1Char('\n')).size());
  const QMargins margins = contentsMargins();
  return {width + margins.left() + margins.right(),
          lines * fontMetrics().height() + margins.top() + margins.bottom()};
}

QSize ElidedLabel::sizeHint() const {
  int width = 0;
  for (const QString& line : m_text.split(QLatin1Char('\n')))
    width = std::max(width, fontMetrics().horizontalAdvance(line));
  return sizeForLines(std::min(width, fontMetrics().averageCharWidth() * kPreferredChars));
}

QSize ElidedLabel::minimumSizeHint() const {
  return sizeForLines(fontMetrics().averageCharWidth() * kMinimumChars);
}

void ElidedLabel::elide() {
  const QFontMetrics metrics = fontMetrics();
  const int width = contentsRect().width();
  m_shown.clear();
  m_elided = false;
  for (const QString& line : m_text.split(QLatin1Char('\n'))) {
    m_shown << metrics.elidedText(line, m_mode, width);
    m_elided = m_elided || m_shown.constLast() != line;
  }
  setToolTip(m_elided ? m_text : QString());
  update();
}

void ElidedLabel::paintEvent(QPaintEvent* event) {
  QFrame::paintEvent(event);  // the frame, if any
  QPainter painter(this);
  const QRect contents = contentsRect();
  const int lineHeight = fontMetrics().height();
  // The lines centred vertically, as QLabel places its text.
  QRect line(contents.left(), contents.top() + (contents.height() - lineHeight * m_shown.size()) / 2,
             contents.width(), lineHeight);
  for (const QString& text : std::as_const(m_shown)) {
    style()->drawItemText(&painter, line, Qt::AlignLeft | Qt::AlignVCenter, palette(), isEnabled(), text,
                          foregroundRole());
    line.translate(0, lineHeight);
  }
}

void ElidedLabel::resizeEvent(QResizeEvent* event) {
  QFrame::resizeEvent(event);
  elide();
}

void ElidedLabel::changeEvent(QEvent* event) {
  QFrame::changeEvent(event);
  if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange) {
    updateGeometry();
    elide();
  }
}
