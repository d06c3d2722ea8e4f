#include "ChartLegend.h"

#include <QChart>
#include <QLegend>
#include <QTextDocument>
#include <QTextOption>

#include <algorithm>
#include <cmath>

namespace {

// The legend takes at most this share of the chart's height; runs beyond it are counted, not listed.
constexpr double kMostHeightShare = 0.4;

QString entryHtml(const ChartLegend::Entry& entry) {
  // Heavy lines, dashed for an earlier run as its curves are; no-break spaces keep an entry on one line.
  const QString line = entry.run.isEmpty() ? QStringLiteral("\u2501\u2501") : QStringLiteral("\u2505\u2505");
  return QStringLiteral("<span style=\"color:%1\">%2</span>&nbsp;%3")
      .arg(entry.color.name(), line,
           entry.label.toHtmlEscaped().replace(QLatin1Char(' '), QStringLiteral("&nbsp;")));
}

}  // namespace

ChartLegend::ChartLegend(QChart* chart, const QMargins& margins)
    : QGraphicsTextItem(chart), m_chart(chart), m_margins(margins) {
  setObjectName(QStringLiteral("chartLegend"));
  chart->legend()->hide();
  chart->setMargins(margins);
  document()->setDocumentMargin(0);
  document()->setDefaultTextOption(QTextOption(Qt::AlignHCenter));
  setZValue(10);
}

void ChartLegend::setEntries(const QList<Entry>& entries) {
  m_entries = entries;
  m_runs.clear();
  QStringList fullNames;
  for (const Entry& e : entries) {
    if (!e.run.isEmpty() && !m_runs.contains(e.run)) m_runs << e.run;
    fullNames << e.fullName;
  }
  setToolTip(fullNames.join(QLatin1Char('\n')));
  place();
}

QString ChartLegend::html(qsizetype runs) const {
  QStringList lines;
  QStringList live;
  for (const Entry& e : m_entries)
    if (e.run.isEmpty()) live << entryHtml(e);
  if (!live.isEmpty()) lines << live.join(QStringLiteral("&nbsp;&nbsp; "));
  for (qsizetype r = 0; r < runs; ++r) {
    QStringList run{QStringLiteral("<b>%1</b>:").arg(m_runs[r].toHtmlEscaped())};
    for (const Entry& e : m_entries)
      if (e.run == m_runs[r]) run << entryHtml(e);
    lines << run.join(QStringLiteral("&nbsp;&nbsp; "));
  }
  if (runs < m_runs.size()) lines << tr("+%n more run(s)", nullptr, static_cast<int>(m_runs.size() - runs));
  return lines.join(QStringLiteral("<br>"));
}

void ChartLegend::place() {
  const qreal width = m_chart->size().width() - m_margins.left() - m_margins.right();
  setTextWidth(std::max<qreal>(width, 1.0));
  // Every run when they fit; else as many as fit, and a count of the rest.
  const qreal most = m_chart->size().height() * kMostHeightShare;
  qsizetype runs = m_runs.size();
  setHtml(m_entries.isEmpty() ? QString() : html(runs));
  while (runs > 0 && boundingRect().height() > most) setHtml(html(--runs));
  const qreal height = m_entries.isEmpty() ? 0.0 : boundingRect().height();
  setPos(m_margins.left(), m_chart->size().height() - m_margins.bottom() - height);
  m_chart->setMargins(m_margins + QMargins(0, 0, 0, static_cast<int>(std::ceil(height))));
}
