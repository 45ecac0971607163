# desk_stats.html.j2 compiled by digest.render.precompiled (`make templates`): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'desk_stats.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    pass
    parent_template = environment.get_template('page.html.j2', 'desk_stats.html.j2')
    for name, parent_block in parent_template.blocks.items():
        context.blocks.setdefault(name, []).append(parent_block)
    yield from parent_template.root_render_func(context)

def block_width(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass
    yield '64rem'

def block_style(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass
    yield '\n  table { width: 100%; border-collapse: collapse; font-family: Helvetica, Arial, sans-serif; font-size: .9rem; }\n  th, td { text-align: left; padding: .4rem; border-bottom: 1px solid #ddd; }\n  td.n { text-align: right; font-variant-numeric: tabular-nums; }\n  .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: .6rem; padding: 0; list-style: none; }\n  .figures li { border: 1px solid #ddd; padding: .6rem; font-family: Helvetica, Arial, sans-serif; }\n  .figures strong { display: block; font-size: 1.4rem; }\n  .wide { overflow-x: auto; }\n  svg text { font: 11px Helvetica, Arial, sans-serif; fill: currentColor; }\n  .links td { word-break: break-all; }\n'

def block_content(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_desk_token = resolve('desk_token')
    l_0_back = resolve('back')
    l_0_report = resolve('report')
    l_0_counters = resolve('counters')
    l_0_stories = resolve('stories')
    l_0_links = resolve('links')
    l_0_bars = resolve('bars')
    l_0_width = resolve('width')
    l_0_colour = resolve('colour')
    try:
        t_1 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    try:
        t_2 = environment.filters['percent']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'percent' found.")
    try:
        t_3 = environment.filters['round']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'round' found.")
    pass
    yield '\n<p><a href="'
    if (undefined(name='desk_token') if l_0_desk_token is missing else l_0_desk_token):
        pass
        yield '../../'
        yield escape((undefined(name='desk_token') if l_0_desk_token is missing else l_0_desk_token))
    else:
        pass
        yield '../'
        yield escape((undefined(name='back') if l_0_back is missing else l_0_back))
    yield '">← '
    if (undefined(name='desk_token') if l_0_desk_token is missing else l_0_desk_token):
        pass
        yield 'All editions'
    else:
        pass
        yield 'Back to the review page'
    yield '</a></p>\n<p>Status: <strong>'
    yield escape(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'status'))
    yield '</strong>.</p>\n<h2>Readers</h2>\n<ul class="figures" data-testid="readers">\n'
    for (l_1_name, l_1_value) in context.call(environment.getattr(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'readers'), 'items'), _block_vars=_block_vars):
        _loop_vars = {}
        pass
        yield '<li><strong>'
        yield escape(l_1_value)
        yield '</strong>'
        yield escape(context.call(environment.getattr(l_1_name, 'replace'), '_', ' ', _loop_vars=_loop_vars))
        yield '</li>'
    l_1_name = l_1_value = missing
    yield '\n</ul>\n<h2>What happened to the mail</h2>\n<ul class="figures" data-testid="feedback">\n'
    for l_1_name in (undefined(name='counters') if l_0_counters is missing else l_0_counters):
        _loop_vars = {}
        pass
        yield '<li data-counter="'
        yield escape(l_1_name)
        yield '"><strong>'
        yield escape(environment.getitem(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'feedback'), l_1_name))
        yield '</strong>'
        yield escape(l_1_name)
        yield ' · '
        yield escape(t_2(environment.getitem(environment.getattr((undefined(name='report') if l_0_report is missing else l_0_report), 'rates'), markup_join((l_1_name, '_rate', )))))
        yield '</li>'
    l_1_name = missing
    yield '\n</ul>\n<p class="note">Rates are of the readers sent. Opens are estimates: many mail programs load no images, some load all of them.</p>\n<h2>Top stories</h2>\n'
    if (undefined(name='stories') if l_0_stories is missing else l_0_stories):
        pass
        yield '<ol>'
        for (l_1_headline, l_1_n) in (undefined(name='stories') if l_0_stories is missing else l_0_stories):
            _loop_vars = {}
            pass
            yield '<li>'
            yield escape(l_1_headline)
            yield ' <span class="note">'
            yield escape(l_1_n)
            yield ' '
            yield escape(('click' if (l_1_n == 1) else 'clicks'))
            yield '</span></li>'
        l_1_headline = l_1_n = missing
        yield '</ol>\n'
    else:
        pass
        yield '<p>No clicks yet.</p>'
    yield '\n<h2>Top links</h2>\n'
    if (undefined(name='links') if l_0_links is missing else l_0_links):
        pass
        yield '<div class="wide"><table class="links"><tbody>'
        for (l_1_url, l_1_n) in (undefined(name='links') if l_0_links is missing else l_0_links):
            _loop_vars = {}
            pass
            yield '<tr><td>'
            yield escape(l_1_url)
            yield '</td><td class="n">'
            yield escape(l_1_n)
            yield '</td></tr>'
        l_1_url = l_1_n = missing
        yield '</tbody></table></div>\n'
    else:
        pass
        yield '<p>No clicks yet.</p>'
    yield '\n<h2>Past editions</h2>\n'
    if (undefined(name='bars') if l_0_bars is missing else l_0_bars):
        pass
        yield '\n'
        l_0_width = ((40 * t_1((undefined(name='bars') if l_0_bars is missing else l_0_bars))) + 40)
        _block_vars['width'] = l_0_width
        yield '\n<div class="wide">\n<svg role="img" aria-labelledby="chart-title" viewBox="0 0 '
        yield escape((undefined(name='width') if l_0_width is missing else l_0_width))
        yield ' 170" width="'
        yield escape((undefined(name='width') if l_0_width is missing else l_0_width))
        yield '" height="170" data-testid="chart">\n<title id="chart-title">Open and click rates of the last '
        yield escape(t_1((undefined(name='bars') if l_0_bars is missing else l_0_bars)))
        yield ' editions</title>\n<line x1="30" y1="140" x2="'
        yield escape((undefined(name='width') if l_0_width is missing else l_0_width))
        yield '" y2="140" stroke="#999"/>\n<text x="0" y="24">100%</text><text x="0" y="144">0%</text>\n'
        l_1_loop = missing
        for l_1_bar, l_1_loop in LoopContext((undefined(name='bars') if l_0_bars is missing else l_0_bars), undefined):
            l_1_x = missing
            _loop_vars = {}
            pass
            l_1_x = (36 + (40 * environment.getattr(l_1_loop, 'index0')))
            _loop_vars['x'] = l_1_x
            yield '\n<rect x="'
            yield escape((undefined(name='x') if l_1_x is missing else l_1_x))
            yield '" y="'
            yield escape((140 - t_3((120 * environment.getattr(l_1_bar, 'opened')), 1)))
            yield '" width="14" height="'
            yield escape(t_3((120 * environment.getattr(l_1_bar, 'opened')), 1))
            yield '" fill="'
            yield escape(((undefined(name='colour') if l_0_colour is missing else l_0_colour) or '#b3121f'))
            yield '"><title>'
            yield escape(environment.getattr(l_1_bar, 'id'))
            yield ': '
            yield escape(t_2(environment.getattr(l_1_bar, 'opened')))
            yield ' opened of '
            yield escape(environment.getattr(l_1_bar, 'sent'))
            yield '</title></rect>\n<rect x="'
            yield escape(((undefined(name='x') if l_1_x is missing else l_1_x) + 15))
            yield '" y="'
            yield escape((140 - t_3((120 * environment.getattr(l_1_bar, 'clicked')), 1)))
            yield '" width="14" height="'
            yield escape(t_3((120 * environment.getattr(l_1_bar, 'clicked')), 1))
            yield '" fill="#1a5fb4"><title>'
            yield escape(environment.getattr(l_1_bar, 'id'))
            yield ': '
            yield escape(t_2(environment.getattr(l_1_bar, 'clicked')))
            yield ' clicked</title></rect>\n<text x="'
            yield escape((undefined(name='x') if l_1_x is missing else l_1_x))
            yield '" y="156">'
            yield escape(environment.getattr(l_1_bar, 'number'))
            yield '</text>\n'
        l_1_loop = l_1_bar = l_1_x = missing
        yield '\n</svg>\n</div>\n<p class="note"><span style="color: '
        yield escape(((undefined(name='colour') if l_0_colour is missing else l_0_colour) or '#b3121f'))
        yield '">■</span> opened · <span style="color: #1a5fb4">■</span> clicked, by edition number.</p>\n<table><thead><tr><th scope="col">Edition</th><th scope="col">Sent</th><th scope="col">Opened</th><th scope="col">Clicked</th></tr></thead><tbody>\n'
        for l_1_bar in (undefined(name='bars') if l_0_bars is missing else l_0_bars):
            _loop_vars = {}
            pass
            yield '<tr><td>'
            yield escape(environment.getattr(l_1_bar, 'number'))
            yield ' ('
            yield escape(environment.getattr(l_1_bar, 'id'))
            yield ')</td><td class="n">'
            yield escape(environment.getattr(l_1_bar, 'sent'))
            yield '</td><td class="n">'
            yield escape(t_2(environment.getattr(l_1_bar, 'opened')))
            yield '</td><td class="n">'
            yield escape(t_2(environment.getattr(l_1_bar, 'clicked')))
            yield '</td></tr>'
        l_1_bar = missing
        yield '\n</tbody></table>\n'
    else:
        pass
        yield '<p>No edition has been sent yet.</p>'
    yield '\n'

blocks = {'width': block_width, 'style': block_style, 'content': block_content}
debug_info = '1=12&2=17&3=27&14=37&15=73&16=89&19=91&23=101&27=115&30=134&33=151&34=154&36=157&37=161&38=163&40=166&41=173&42=187&43=197&47=203&49=205'

SOURCE_SHA256 = '5518053c5155a8d85475bc090008b6ae2a3bccb3f543c6dd7047e78ebc9d9ff9'
