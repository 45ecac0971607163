# desk_editions.html.j2 compiled by digest.render.precompiled (`make templates`): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'desk_editions.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    pass
    parent_template = environment.get_template('page.html.j2', 'desk_editions.html.j2')
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
    yield '\n  table { width: 100%; border-collapse: collapse; font-family: Helvetica, Arial, sans-serif; font-size: .9rem; }\n  th, td { text-align: left; padding: .45rem .4rem; border-bottom: 1px solid #ddd; vertical-align: top; }\n  th { font-weight: 600; }\n  .status { display: inline-block; padding: .1rem .45rem; border-radius: .6rem; background: #eee; color: #1d1d1b; }\n  .status-draft { background: #fff0c2; } .status-approved { background: #dcefdc; } .status-sent { background: #e3e8f5; }\n  .wide { overflow-x: auto; }\n  nav.desk a { margin-right: 1rem; font-family: Helvetica, Arial, sans-serif; }\n  @media (max-width: 40rem) { .hide-narrow { display: none; } }\n'

def block_content(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_token = resolve('token')
    l_0_readers = resolve('readers')
    l_0_timezone = resolve('timezone')
    l_0_rows = resolve('rows')
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
        t_3 = environment.filters['when']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'when' found.")
    pass
    yield '\n<nav class="desk" aria-label="Desk"><a href="'
    yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
    yield '" aria-current="page">Editions</a><a href="'
    yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
    yield '/subscribers">Readers</a></nav>\n<p>'
    yield escape((undefined(name='readers') if l_0_readers is missing else l_0_readers))
    yield ' confirmed '
    yield escape(('reader' if ((undefined(name='readers') if l_0_readers is missing else l_0_readers) == 1) else 'readers'))
    yield '. Send times in '
    yield escape((undefined(name='timezone') if l_0_timezone is missing else l_0_timezone))
    yield '.</p>\n'
    if (undefined(name='rows') if l_0_rows is missing else l_0_rows):
        pass
        yield '\n<div class="wide">\n<table>\n<thead><tr><th scope="col">Edition</th><th scope="col">Status</th><th scope="col">Goes out</th><th scope="col" class="hide-narrow">Stories</th><th scope="col">Figures</th></tr></thead>\n<tbody>\n'
        for l_1_row in (undefined(name='rows') if l_0_rows is missing else l_0_rows):
            _loop_vars = {}
            pass
            yield '\n<tr data-edition="'
            yield escape(environment.getattr(environment.getattr(l_1_row, 'edition'), 'id'))
            yield '">\n<td><a href="../review/'
            yield escape(environment.getattr(l_1_row, 'review'))
            yield '">No. '
            yield escape(environment.getattr(environment.getattr(l_1_row, 'edition'), 'number'))
            yield '</a><br><span class="note">'
            yield escape(environment.getattr(environment.getattr(l_1_row, 'edition'), 'id'))
            yield '</span></td>\n<td><span class="status status-'
            yield escape(environment.getattr(environment.getattr(environment.getattr(l_1_row, 'edition'), 'status'), 'value'))
            yield '">'
            yield escape(environment.getattr(environment.getattr(environment.getattr(l_1_row, 'edition'), 'status'), 'value'))
            yield '</span></td>\n<td>'
            yield escape((t_3(environment.getattr(l_1_row, 'due')) if environment.getattr(l_1_row, 'due') else ''))
            yield '</td>\n<td class="hide-narrow">'
            yield escape(t_1(context.call(environment.getattr(environment.getattr(l_1_row, 'edition'), 'stories'), _loop_vars=_loop_vars)))
            yield ' from '
            yield escape(environment.getattr(environment.getattr(l_1_row, 'edition'), 'article_count'))
            yield ' articles ('
            yield escape(environment.getattr(environment.getattr(l_1_row, 'edition'), 'new_articles'))
            yield ' new)</td>\n<td>'
            if environment.getattr(l_1_row, 'report'):
                pass
                yield escape(environment.getattr(environment.getattr(environment.getattr(l_1_row, 'report'), 'readers'), 'sent'))
                yield ' sent · '
                yield escape(t_2(environment.getattr(environment.getattr(environment.getattr(l_1_row, 'report'), 'rates'), 'opened_rate')))
                yield ' opened · '
                yield escape(t_2(environment.getattr(environment.getattr(environment.getattr(l_1_row, 'report'), 'rates'), 'clicked_rate')))
                yield ' clicked<br>'
            yield '<a href="../review/'
            yield escape(environment.getattr(l_1_row, 'review'))
            yield '/stats">Numbers</a></td>\n</tr>\n'
        l_1_row = missing
        yield '\n</tbody>\n</table>\n</div>\n'
    else:
        pass
        yield '\n<p>No editions yet: the first is built on the build day, or with <code>digest edition build</code>.</p>\n'
    yield '\n'

blocks = {'width': block_width, 'style': block_style, 'content': block_content}
debug_info = '1=12&2=17&3=27&13=37&14=68&15=72&16=78&21=81&22=85&23=87&24=93&25=97&26=99&27=105'

SOURCE_SHA256 = '649343b8a251637d19550fa08560448db55ead9c14a9d22a24d20d787aca5baf'
