# review.html.j2 compiled by digest.render.precompiled (`make templates`): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'review.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    pass
    parent_template = environment.get_template('page.html.j2', 'review.html.j2')
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
    yield '80rem'

def block_style(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass
    yield '\n  .review { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.5rem; }\n  @media (max-width: 60rem) { .review { grid-template-columns: 1fr; } }\n  iframe { width: 100%; height: 80vh; border: 1px solid #ccc; background: #fff; }\n  ol { padding-left: 1.2rem; }\n  li { margin: .8rem 0; }\n  .story form { display: inline; }\n  .story button, .story select, .story input { margin: .2rem .2rem 0 0; padding: .25rem .5rem; font-size: .85rem; width: auto; }\n  .story details { margin-top: .3rem; }\n  .story details form { display: block; }\n  textarea { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; font-size: .95rem; }\n  .pinned { font-family: Helvetica, Arial, sans-serif; font-size: .75rem; text-transform: uppercase; color: #2f7d32; }\n  .warnings { padding: .6rem .8rem; background: #fff6e0; border-left: 4px solid #b36b00; }\n  .warnings ul { margin: .3rem 0; padding-left: 1.2rem; }\n  .facts { font-family: Helvetica, Arial, sans-serif; font-size: .9rem; }\n  .inline { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; }\n  .inline input { flex: 1 1 12rem; }\n  .inline button { margin-top: 0; }\n  @media (prefers-color-scheme: dark) { .warnings { background: #2a2418; } }\n'

def block_content(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_edition = resolve('edition')
    l_0_due = resolve('due')
    l_0_timezone = resolve('timezone')
    l_0_html_kb = resolve('html_kb')
    l_0_token = resolve('token')
    l_0_warnings = resolve('warnings')
    l_0_asked = resolve('asked')
    l_0_draft = resolve('draft')
    l_0_sample_reader = resolve('sample_reader')
    l_0_preview_html = resolve('preview_html')
    l_0_preview_problem = resolve('preview_problem')
    l_0_approved = resolve('approved')
    l_0_subject = resolve('subject')
    l_0_limits = resolve('limits')
    l_0_preheader = resolve('preheader')
    l_0_dropped = resolve('dropped')
    try:
        t_1 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    try:
        t_2 = environment.filters['when']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'when' found.")
    pass
    yield '\n<p class="facts">Edition '
    yield escape(environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'number'))
    yield ' ('
    yield escape(environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'id'))
    yield ') is <strong data-testid="status">'
    yield escape(environment.getattr(environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'status'), 'value'))
    yield '</strong>.\n'
    if (undefined(name='due') if l_0_due is missing else l_0_due):
        pass
        yield 'Scheduled to go out '
        yield escape(t_2((undefined(name='due') if l_0_due is missing else l_0_due)))
        yield ' ('
        yield escape((undefined(name='timezone') if l_0_timezone is missing else l_0_timezone))
        yield ').'
    yield '\n'
    yield escape(t_1(context.call(environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'stories'), _block_vars=_block_vars)))
    yield ' stories from '
    yield escape(environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'article_count'))
    yield ' articles'
    if (undefined(name='html_kb') if l_0_html_kb is missing else l_0_html_kb):
        pass
        yield ', '
        yield escape((undefined(name='html_kb') if l_0_html_kb is missing else l_0_html_kb))
        yield ' KB of HTML'
    yield '.\n<a href="'
    yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
    yield '/stats">Numbers for this edition</a></p>\n'
    if (environment.getattr(environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'status'), 'value') == 'skipped'):
        pass
        yield '<p class="notice" data-testid="empty">No stories this week: the build found nothing new, so this edition is skipped and nothing will be sent.</p>\n'
    yield '\n'
    if (undefined(name='warnings') if l_0_warnings is missing else l_0_warnings):
        pass
        yield '\n<div class="warnings" role="alert" data-testid="warnings"><strong>Before you approve:</strong>\n<ul>'
        for l_1_warning in (undefined(name='warnings') if l_0_warnings is missing else l_0_warnings):
            _loop_vars = {}
            pass
            yield '<li>'
            yield escape(l_1_warning)
            yield '</li>'
        l_1_warning = missing
        yield '</ul>\n'
        if ((undefined(name='asked') if l_0_asked is missing else l_0_asked) and (undefined(name='draft') if l_0_draft is missing else l_0_draft)):
            pass
            yield '<form method="post" action="'
            yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
            yield '"><input type="hidden" name="action" value="approve"><input type="hidden" name="confirm" value="yes"><button type="submit">Approve anyway</button></form>'
        yield '\n</div>\n'
    yield '\n<div class="review">\n<section aria-label="Email preview">\n<p class="note">The email as a reader called '
    yield escape((undefined(name='sample_reader') if l_0_sample_reader is missing else l_0_sample_reader))
    yield ' sees it.</p>\n'
    if (undefined(name='preview_html') if l_0_preview_html is missing else l_0_preview_html):
        pass
        yield '<iframe title="Email preview" sandbox srcdoc="'
        yield escape((undefined(name='preview_html') if l_0_preview_html is missing else l_0_preview_html))
        yield '"></iframe>\n'
    elif (undefined(name='preview_problem') if l_0_preview_problem is missing else l_0_preview_problem):
        pass
        yield '<p class="error">'
        yield escape((undefined(name='preview_problem') if l_0_preview_problem is missing else l_0_preview_problem))
        yield '</p>\n'
    else:
        pass
        yield '<p>This edition has no stories yet.</p>'
    yield '\n</section>\n<section aria-label="Controls">\n'
    if (undefined(name='draft') if l_0_draft is missing else l_0_draft):
        pass
        yield '\n<form method="post" action="'
        yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
        yield '"><input type="hidden" name="action" value="approve"><button type="submit">Approve for sending</button></form>\n'
    elif (undefined(name='approved') if l_0_approved is missing else l_0_approved):
        pass
        yield '\n<form method="post" action="'
        yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
        yield '"><input type="hidden" name="action" value="reopen"><button type="submit" class="quiet">Back to draft</button></form>\n'
    yield '\n\n<h2>Subject and opening</h2>\n'
    if (undefined(name='draft') if l_0_draft is missing else l_0_draft):
        pass
        yield '\n<form method="post" action="'
        yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
        yield '" aria-label="Subject, preheader and editor\'s note">\n<input type="hidden" name="action" value="copy">\n<label for="subject">Subject (empty: “'
        yield escape((undefined(name='subject') if l_0_subject is missing else l_0_subject))
        yield '” from the top story)</label>\n<input id="subject" name="subject" type="text" maxlength="'
        yield escape(environment.getattr((undefined(name='limits') if l_0_limits is missing else l_0_limits), 'subject'))
        yield '" value="'
        yield escape((environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'subject') or ''))
        yield '" placeholder="'
        yield escape((undefined(name='subject') if l_0_subject is missing else l_0_subject))
        yield '">\n<label for="preheader">Preheader: the line inboxes show after the subject</label>\n<input id="preheader" name="preheader" type="text" maxlength="'
        yield escape(environment.getattr((undefined(name='limits') if l_0_limits is missing else l_0_limits), 'preheader'))
        yield '" value="'
        yield escape((environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'preheader') or ''))
        yield '" placeholder="'
        yield escape((undefined(name='preheader') if l_0_preheader is missing else l_0_preheader))
        yield '">\n<label for="note">Editor\'s note: opens the email, after “Dear '
        yield escape((undefined(name='sample_reader') if l_0_sample_reader is missing else l_0_sample_reader))
        yield ',” (empty: the standing introduction)</label>\n<textarea id="note" name="note" rows="3" maxlength="'
        yield escape(environment.getattr((undefined(name='limits') if l_0_limits is missing else l_0_limits), 'note'))
        yield '">'
        yield escape((environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'note') or ''))
        yield '</textarea>\n<button type="submit">Save subject and note</button>\n</form>\n'
    else:
        pass
        yield '\n<p>Subject: “'
        yield escape((undefined(name='subject') if l_0_subject is missing else l_0_subject))
        yield '”<br>Preheader: “'
        yield escape((undefined(name='preheader') if l_0_preheader is missing else l_0_preheader))
        yield '”</p>\n'
    yield '\n\n<h2>Send a test</h2>\n<form method="post" action="'
    yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
    yield '" class="inline" aria-label="Send a test">\n<input type="hidden" name="action" value="test">\n<label class="hp" for="address">Test address</label>\n<input id="address" name="address" type="email" required maxlength="320" placeholder="you@newsroom.example" autocomplete="email">\n<button type="submit">Send a test</button>\n</form>\n\n'
    l_1_loop = missing
    for l_1_section, l_1_loop in LoopContext(environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'sections'), undefined):
        _loop_vars = {}
        pass
        yield '\n<h2>'
        yield escape(environment.getattr(l_1_section, 'title'))
        yield '</h2>\n'
        if (not environment.getattr(l_1_section, 'stories')):
            pass
            yield '<p class="note">No stories in this section.</p>'
        yield '\n<ol>\n'
        l_2_loop = missing
        for l_2_story, l_2_loop in LoopContext(environment.getattr(l_1_section, 'stories'), undefined):
            l_2_outlets = resolve('outlets')
            l_2_section_choices = resolve('section_choices')
            _loop_vars = {}
            pass
            yield '\n<li class="story" data-story="'
            yield escape(environment.getattr(environment.getattr(l_2_story, 'lead'), 'id'))
            yield '"><strong>'
            yield escape(environment.getattr(l_2_story, 'headline'))
            yield '</strong> <span class="note">'
            yield escape(context.call((undefined(name='outlets') if l_2_outlets is missing else l_2_outlets), l_2_story, _loop_vars=_loop_vars))
            yield '</span>'
            if environment.getattr(l_2_story, 'pinned'):
                pass
                yield ' <span class="pinned">pinned</span>'
            yield '\n'
            if (undefined(name='draft') if l_0_draft is missing else l_0_draft):
                pass
                yield '<br>\n<form method="post" action="'
                yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
                yield '" aria-label="Pin '
                yield escape(environment.getattr(l_2_story, 'headline'))
                yield '">\n<input type="hidden" name="action" value="pin"><input type="hidden" name="target" value="'
                yield escape(environment.getattr(environment.getattr(l_2_story, 'lead'), 'id'))
                yield '">\n<label class="hp" for="s-'
                yield escape(environment.getattr(environment.getattr(l_2_story, 'lead'), 'id'))
                yield '">Section</label>\n<select id="s-'
                yield escape(environment.getattr(environment.getattr(l_2_story, 'lead'), 'id'))
                yield '" name="section">'
                for (l_3_key, l_3_title) in (undefined(name='section_choices') if l_2_section_choices is missing else l_2_section_choices):
                    _loop_vars = {}
                    pass
                    yield '<option value="'
                    yield escape(l_3_key)
                    yield '"'
                    if (l_3_key == environment.getattr(environment.getattr(l_1_section, 'key'), 'value')):
                        pass
                        yield ' selected'
                    yield '>'
                    yield escape(l_3_title)
                    yield '</option>'
                l_3_key = l_3_title = missing
                yield '</select>\n<label class="hp" for="p-'
                yield escape(environment.getattr(environment.getattr(l_2_story, 'lead'), 'id'))
                yield '">Position</label>\n<input id="p-'
                yield escape(environment.getattr(environment.getattr(l_2_story, 'lead'), 'id'))
                yield '" name="position" type="number" min="1" max="50" value="'
                yield escape(environment.getattr(l_2_loop, 'index'))
                yield '" size="3">\n<button type="submit">Pin</button>\n</form>\n'
                if (not environment.getattr(l_2_loop, 'first')):
                    pass
                    yield '<form method="post" action="'
                    yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
                    yield '"><input type="hidden" name="action" value="up"><input type="hidden" name="target" value="'
                    yield escape(environment.getattr(environment.getattr(l_2_story, 'lead'), 'id'))
                    yield '"><button type="submit" class="quiet" aria-label="Move '
                    yield escape(environment.getattr(l_2_story, 'headline'))
                    yield ' up">↑ Up</button></form>'
                yield '\n'
                if (not environment.getattr(l_2_loop, 'last')):
                    pass
                    yield '<form method="post" action="'
                    yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
                    yield '"><input type="hidden" name="action" value="down"><input type="hidden" name="target" value="'
                    yield escape(environment.getattr(environment.getattr(l_2_story, 'lead'), 'id'))
                    yield '"><button type="submit" class="quiet" aria-label="Move '
                    yield escape(environment.getattr(l_2_story, 'headline'))
                    yield ' down">↓ Down</button></form>'
                yield '\n'
                if environment.getattr(l_2_story, 'pinned'):
                    pass
                    yield '<form method="post" action="'
                    yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
                    yield '"><input type="hidden" name="action" value="unpin"><input type="hidden" name="target" value="'
                    yield escape(environment.getattr(environment.getattr(l_2_story, 'lead'), 'id'))
                    yield '"><button type="submit" class="quiet">Unpin</button></form>'
                yield '\n<form method="post" action="'
                yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
                yield '"><input type="hidden" name="action" value="drop"><input type="hidden" name="target" value="'
                yield escape(environment.getattr(environment.getattr(l_2_story, 'lead'), 'id'))
                yield '"><button type="submit" class="quiet">Drop</button></form>\n<details><summary class="note">Edit the summary</summary>\n<form method="post" action="'
                yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
                yield '" aria-label="Summary of '
                yield escape(environment.getattr(l_2_story, 'headline'))
                yield '">\n<input type="hidden" name="action" value="summary"><input type="hidden" name="target" value="'
                yield escape(environment.getattr(environment.getattr(l_2_story, 'lead'), 'id'))
                yield '">\n<label class="hp" for="t-'
                yield escape(environment.getattr(environment.getattr(l_2_story, 'lead'), 'id'))
                yield '">Summary</label>\n<textarea id="t-'
                yield escape(environment.getattr(environment.getattr(l_2_story, 'lead'), 'id'))
                yield '" name="text" rows="4" maxlength="600" required>'
                yield escape(environment.getattr(l_2_story, 'summary'))
                yield '</textarea>\n<button type="submit">Save summary</button>\n</form>\n</details>\n'
            yield '\n</li>\n'
        l_2_loop = l_2_story = l_2_outlets = l_2_section_choices = missing
        yield '\n</ol>\n'
    l_1_loop = l_1_section = missing
    yield '\n'
    if ((undefined(name='dropped') if l_0_dropped is missing else l_0_dropped) and (undefined(name='draft') if l_0_draft is missing else l_0_draft)):
        pass
        yield '\n<h2>Dropped</h2>\n<ul>\n'
        for l_1_story in (undefined(name='dropped') if l_0_dropped is missing else l_0_dropped):
            _loop_vars = {}
            pass
            yield '<li class="story" data-dropped="'
            yield escape(environment.getattr(l_1_story, 'target'))
            yield '">'
            yield escape(environment.getattr(l_1_story, 'headline'))
            yield ' <span class="note">'
            yield escape(environment.getattr(l_1_story, 'outlet'))
            yield '</span> <form method="post" action="'
            yield escape((undefined(name='token') if l_0_token is missing else l_0_token))
            yield '"><input type="hidden" name="action" value="restore"><input type="hidden" name="target" value="'
            yield escape(environment.getattr(l_1_story, 'target'))
            yield '"><button type="submit" class="quiet">Restore</button></form></li>\n'
        l_1_story = missing
        yield '\n</ul>\n'
    yield '\n</section>\n</div>\n'

blocks = {'width': block_width, 'style': block_style, 'content': block_content}
debug_info = '1=12&2=17&3=27&23=37&24=74&25=80&26=88&27=98&28=100&30=104&32=107&33=115&38=122&39=124&40=129&44=138&45=141&46=143&47=146&51=149&52=152&54=154&55=156&57=162&58=168&59=170&63=177&67=182&74=185&75=189&76=191&78=196&79=202&80=212&81=215&82=219&83=221&84=223&85=239&86=241&89=245&90=255&91=265&92=273&94=277&95=281&96=283&97=285&106=294&109=297'

SOURCE_SHA256 = 'fef485c5b9428a9f851b0b9346e22de679ccc4cea221cfe24c2dd9381949261e'
