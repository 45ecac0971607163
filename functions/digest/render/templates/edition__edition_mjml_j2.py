# edition.mjml.j2 compiled by digest.render.precompiled (`make templates`) for digest.render.runtime: do not edit.
from digest.render.runtime import LoopContext, Macro, TemplateRuntimeError, Undefined, escape, internalcode, missing
name = 'edition.mjml.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_branding = resolve('branding')
    l_0_subject = resolve('subject')
    l_0_preheader = resolve('preheader')
    l_0_range = resolve('range')
    l_0_preheader_padding = resolve('preheader_padding')
    l_0_view_online_url = resolve('view_online_url')
    l_0_logo_url = resolve('logo_url')
    l_0_name = resolve('name')
    l_0_edition = resolve('edition')
    l_0_web = resolve('web')
    l_0_reader_name = resolve('reader_name')
    l_0_intro = resolve('intro')
    l_0_story_count = resolve('story_count')
    l_0_sections = resolve('sections')
    l_0_support = resolve('support')
    l_0_support_message = resolve('support_message')
    l_0_subscribe_url = resolve('subscribe_url')
    l_0_send_day = resolve('send_day')
    l_0_archive_url = resolve('archive_url')
    l_0_privacy_policy_url = resolve('privacy_policy_url')
    l_0_preferences_url = resolve('preferences_url')
    l_0_unsubscribe_url = resolve('unsubscribe_url')
    l_0_postal_address = resolve('postal_address')
    l_0_b = l_0_serif = l_0_sans = l_0_ink = l_0_muted = l_0_rule = l_0_red = l_0_card = l_0_page = l_0_section_heading = l_0_headline = l_0_also_covered = l_0_story_item = missing
    try:
        t_1 = environment.filters['safe']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'safe' found.")
    pass
    l_0_b = (undefined(name='branding') if l_0_branding is missing else l_0_branding)
    context.vars['b'] = l_0_b
    context.exported_vars.add('b')
    l_0_serif = t_1(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'heading_font_stack'))
    context.vars['serif'] = l_0_serif
    context.exported_vars.add('serif')
    l_0_sans = t_1(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'font_stack'))
    context.vars['sans'] = l_0_sans
    context.exported_vars.add('sans')
    l_0_ink = environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'text_colour')
    context.vars['ink'] = l_0_ink
    context.exported_vars.add('ink')
    l_0_muted = environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'muted_colour')
    context.vars['muted'] = l_0_muted
    context.exported_vars.add('muted')
    l_0_rule = environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'rule_colour')
    context.vars['rule'] = l_0_rule
    context.exported_vars.add('rule')
    l_0_red = environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'primary_colour')
    context.vars['red'] = l_0_red
    context.exported_vars.add('red')
    l_0_card = environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'surface_colour')
    context.vars['card'] = l_0_card
    context.exported_vars.add('card')
    l_0_page = environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'background_colour')
    context.vars['page'] = l_0_page
    context.exported_vars.add('page')
    def macro(l_1_title):
        t_2 = []
        if l_1_title is missing:
            l_1_title = undefined("parameter 'title' was not provided", name='title')
        pass
        t_2.extend((
            '<mj-text padding="0 32px" css-class="fd-pad"><h2 class="fd-label" style="margin:0;padding-top:10px;border-top:3px solid ',
            escape((undefined(name='ink') if l_0_ink is missing else l_0_ink)),
            ';font-family:',
            escape((undefined(name='serif') if l_0_serif is missing else l_0_serif)),
            ';font-size:14px;line-height:1.3;font-weight:700;letter-spacing:1.5px;text-transform:uppercase;color:',
            escape((undefined(name='red') if l_0_red is missing else l_0_red)),
            ';">',
            escape(l_1_title),
            '</h2></mj-text>',
        ))
        return concat(t_2)
    context.exported_vars.add('section_heading')
    context.vars['section_heading'] = l_0_section_heading = Macro(environment, macro, 'section_heading', ('title',), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_story, l_1_size):
        t_3 = []
        if l_1_story is missing:
            l_1_story = undefined("parameter 'story' was not provided", name='story')
        if l_1_size is missing:
            l_1_size = undefined("parameter 'size' was not provided", name='size')
        pass
        t_3.extend((
            '<h3 dir="auto" style="margin:0 0 8px;text-align:start;font-family:',
            escape((undefined(name='serif') if l_0_serif is missing else l_0_serif)),
            ';font-size:',
            escape(l_1_size),
            'px;line-height:1.25;font-weight:700;color:',
            escape((undefined(name='ink') if l_0_ink is missing else l_0_ink)),
            ';">',
        ))
        if environment.getattr(l_1_story, 'url'):
            pass
            t_3.extend((
                '<a href="',
                escape(environment.getattr(l_1_story, 'url')),
                '" style="color:',
                escape((undefined(name='ink') if l_0_ink is missing else l_0_ink)),
                ';text-decoration:none;">',
                escape(environment.getattr(l_1_story, 'headline')),
                '</a>',
            ))
        else:
            pass
            t_3.append(
                escape(environment.getattr(l_1_story, 'headline')),
            )
        t_3.append(
            '</h3>',
        )
        return concat(t_3)
    context.exported_vars.add('headline')
    context.vars['headline'] = l_0_headline = Macro(environment, macro, 'headline', ('story', 'size'), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_story):
        t_4 = []
        if l_1_story is missing:
            l_1_story = undefined("parameter 'story' was not provided", name='story')
        pass
        if environment.getattr(l_1_story, 'also'):
            pass
            t_4.extend((
                '<p class="fd-meta" style="margin:0;font-size:13px;line-height:1.5;color:',
                escape((undefined(name='muted') if l_0_muted is missing else l_0_muted)),
                ';">Also covered by: ',
            ))
            l_2_loop = missing
            for l_2_link, l_2_loop in LoopContext(environment.getattr(l_1_story, 'also'), undefined):
                _loop_vars = {}
                pass
                if environment.getattr(l_2_link, 'url'):
                    pass
                    t_4.extend((
                        '<a href="',
                        escape(environment.getattr(l_2_link, 'url')),
                        '" dir="auto" style="color:',
                        escape((undefined(name='muted') if l_0_muted is missing else l_0_muted)),
                        ';text-decoration:underline;white-space:nowrap;">',
                        escape(environment.getattr(l_2_link, 'label')),
                        '</a>',
                    ))
                else:
                    pass
                    t_4.extend((
                        '<span dir="auto">',
                        escape(environment.getattr(l_2_link, 'label')),
                        '</span>',
                    ))
                if (not environment.getattr(l_2_loop, 'last')):
                    pass
                    t_4.append(
                        ', ',
                    )
            l_2_loop = l_2_link = missing
            if environment.getattr(l_1_story, 'more_outlets'):
                pass
                t_4.extend((
                    ' and ',
                    escape(environment.getattr(l_1_story, 'more_outlets')),
                    ' more',
                ))
            t_4.append(
                '</p>\n',
            )
        return concat(t_4)
    context.exported_vars.add('also_covered')
    context.vars['also_covered'] = l_0_also_covered = Macro(environment, macro, 'also_covered', ('story',), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_story, l_1_first):
        t_5 = []
        if l_1_story is missing:
            l_1_story = undefined("parameter 'story' was not provided", name='story')
        if l_1_first is missing:
            l_1_first = undefined("parameter 'first' was not provided", name='first')
        pass
        t_5.extend((
            '<mj-text padding="',
            escape(('16px' if l_1_first else '20px')),
            ' 32px 0" css-class="fd-pad"><div style="',
        ))
        if (not l_1_first):
            pass
            t_5.extend((
                'border-top:1px solid ',
                escape((undefined(name='rule') if l_0_rule is missing else l_0_rule)),
                ';padding-top:20px;',
            ))
        t_5.append(
            '">\n',
        )
        if (environment.getattr(l_1_story, 'outlet') or environment.getattr(l_1_story, 'label')):
            pass
            t_5.extend((
                '<p class="fd-meta" style="margin:0 0 6px;font-size:12px;line-height:1.3;font-weight:600;letter-spacing:1px;text-transform:uppercase;color:',
                escape((undefined(name='muted') if l_0_muted is missing else l_0_muted)),
                ';">',
            ))
            if environment.getattr(l_1_story, 'label'):
                pass
                t_5.extend((
                    '<span class="fd-kicker" style="color:',
                    escape((undefined(name='red') if l_0_red is missing else l_0_red)),
                    ';">',
                    escape(environment.getattr(l_1_story, 'label')),
                    '</span>',
                ))
                if environment.getattr(l_1_story, 'outlet'):
                    pass
                    t_5.append(
                        ' · ',
                    )
            t_5.extend((
                '<span dir="auto">',
                escape(environment.getattr(l_1_story, 'outlet')),
                '</span></p>\n',
            ))
        t_5.extend((
            escape(context.call((undefined(name='headline') if l_0_headline is missing else l_0_headline), l_1_story, 21)),
            '\n',
        ))
        if environment.getattr(l_1_story, 'summary'):
            pass
            t_5.extend((
                '<p dir="auto" style="margin:0 0 10px;text-align:start;">',
                escape(environment.getattr(l_1_story, 'summary')),
                '</p>\n',
            ))
        t_5.extend((
            escape(context.call((undefined(name='also_covered') if l_0_also_covered is missing else l_0_also_covered), l_1_story)),
            '\n</div></mj-text>',
        ))
        return concat(t_5)
    context.exported_vars.add('story_item')
    context.vars['story_item'] = l_0_story_item = Macro(environment, macro, 'story_item', ('story', 'first'), False, False, False, context.eval_ctx.autoescape)
    yield '<mjml lang="'
    yield escape(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'language'))
    yield '" dir="ltr">\n<mj-head>\n<mj-title>'
    yield escape((undefined(name='subject') if l_0_subject is missing else l_0_subject))
    yield '</mj-title>\n<mj-preview>'
    yield escape((undefined(name='preheader') if l_0_preheader is missing else l_0_preheader))
    for l_1__ in context.call((undefined(name='range') if l_0_range is missing else l_0_range), (undefined(name='preheader_padding') if l_0_preheader_padding is missing else l_0_preheader_padding)):
        _loop_vars = {}
        pass
        yield '&#847;&zwnj;&nbsp;'
    l_1__ = missing
    yield '</mj-preview>\n<mj-attributes>\n<mj-all font-family="'
    yield escape((undefined(name='sans') if l_0_sans is missing else l_0_sans))
    yield '" />\n<mj-section padding="0" background-color="'
    yield escape((undefined(name='card') if l_0_card is missing else l_0_card))
    yield '" />\n<mj-column padding="0" />\n<mj-text color="'
    yield escape((undefined(name='ink') if l_0_ink is missing else l_0_ink))
    yield '" font-size="16px" line-height="1.6" padding="0 32px" />\n<mj-image padding="0" />\n<mj-button font-size="15px" font-weight="700" border-radius="3px" inner-padding="12px 6px" padding="0 6px" width="100%" />\n</mj-attributes>\n<mj-breakpoint width="480px" />\n<mj-raw><meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark"></mj-raw>\n<mj-style>\n:root { color-scheme: light dark; supported-color-schemes: light dark; }\na[href]:hover { text-decoration: underline !important; }\nh3 a[href]:hover { color: '
    yield escape((undefined(name='red') if l_0_red is missing else l_0_red))
    yield ' !important; }\n@media only screen and (max-width: 479px) {\n  .fd-pad { padding-left: 20px !important; padding-right: 20px !important; }\n  .fd-masthead h1 { font-size: 30px !important; }\n  .fd-lead h3 { font-size: 25px !important; }\n  .fd-buttons { padding-left: 14px !important; padding-right: 14px !important; }\n}\n@media (prefers-color-scheme: dark) {\n  body, .fd-page, .fd-foot, .fd-foot > table { background: #121212 !important; }\n  .fd-card, .fd-card > table { background: #1d1d1d !important; }\n  .fd-support, .fd-support > table { background: #2a231c !important; }\n  .fd-card div, .fd-card p, .fd-card h1, .fd-card h3, .fd-card a, .fd-support div, .fd-support p, .fd-support h2 { color: #ececec !important; }\n  .fd-card h2, .fd-card .fd-kicker { color: #ff7a70 !important; border-color: #ececec !important; }\n  .fd-card .fd-meta, .fd-card .fd-meta a, .fd-foot div, .fd-foot p, .fd-foot a { color: #b5b0a8 !important; }\n  .fd-support .fd-outline td, .fd-support .fd-outline a { background: #2a231c !important; color: #ff7a70 !important; border-color: #ff7a70 !important; }\n  .fd-card div[style*="border-top"], .fd-card p[style*="border-top"] { border-color: #3a3a3a !important; }\n}\n</mj-style>\n</mj-head>\n<mj-body background-color="'
    yield escape((undefined(name='page') if l_0_page is missing else l_0_page))
    yield '" width="600px" css-class="fd-page">\n'
    if (undefined(name='view_online_url') if l_0_view_online_url is missing else l_0_view_online_url):
        pass
        yield '<mj-section background-color="'
        yield escape((undefined(name='page') if l_0_page is missing else l_0_page))
        yield '" padding="14px 0 10px" css-class="fd-foot"><mj-column><mj-text align="center" font-size="12px" line-height="1.4" color="'
        yield escape((undefined(name='muted') if l_0_muted is missing else l_0_muted))
        yield '" padding="0 16px"><a href="'
        yield escape((undefined(name='view_online_url') if l_0_view_online_url is missing else l_0_view_online_url))
        yield '" style="color:'
        yield escape((undefined(name='muted') if l_0_muted is missing else l_0_muted))
        yield ';text-decoration:underline;">View this email in your browser</a></mj-text></mj-column></mj-section>\n'
    else:
        pass
        yield '<mj-section background-color="'
        yield escape((undefined(name='page') if l_0_page is missing else l_0_page))
        yield '" padding="24px 0 0" css-class="fd-foot"><mj-column><mj-spacer height="1px" /></mj-column></mj-section>\n'
    yield '<mj-section background-color="'
    yield escape((undefined(name='card') if l_0_card is missing else l_0_card))
    yield '" border-top="4px solid '
    yield escape((undefined(name='red') if l_0_red is missing else l_0_red))
    yield '" padding="30px 0 0" css-class="fd-card"><mj-column>\n'
    if (undefined(name='logo_url') if l_0_logo_url is missing else l_0_logo_url):
        pass
        yield '<mj-image src="'
        yield escape((undefined(name='logo_url') if l_0_logo_url is missing else l_0_logo_url))
        yield '" alt="'
        yield escape((undefined(name='name') if l_0_name is missing else l_0_name))
        yield '" width="'
        yield escape(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'logo_width'))
        yield 'px" align="center" padding="0 32px" />\n'
    else:
        pass
        yield '<mj-text align="center" padding="0 24px" css-class="fd-masthead"><h1 style="margin:0;font-family:'
        yield escape((undefined(name='serif') if l_0_serif is missing else l_0_serif))
        yield ';font-size:40px;line-height:1.1;font-weight:700;letter-spacing:-0.5px;color:'
        yield escape((undefined(name='ink') if l_0_ink is missing else l_0_ink))
        yield ';">'
        yield escape((undefined(name='name') if l_0_name is missing else l_0_name))
        yield '</h1></mj-text>\n'
    yield '<mj-text align="center" padding="16px 32px 0" css-class="fd-pad"><p class="fd-meta" style="margin:0;padding:9px 0;border-top:1px solid '
    yield escape((undefined(name='rule') if l_0_rule is missing else l_0_rule))
    yield ';border-bottom:1px solid '
    yield escape((undefined(name='rule') if l_0_rule is missing else l_0_rule))
    yield ';font-size:12px;line-height:1.4;font-weight:600;letter-spacing:1.5px;text-transform:uppercase;color:'
    yield escape((undefined(name='muted') if l_0_muted is missing else l_0_muted))
    yield ';"><time datetime="'
    yield escape(environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'date_iso'))
    yield '">'
    yield escape(environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'date'))
    yield '</time> &nbsp;·&nbsp; No. '
    yield escape(environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'number'))
    yield '</p></mj-text>\n<mj-text padding="20px 32px 0" css-class="fd-pad">\n'
    if (not (undefined(name='web') if l_0_web is missing else l_0_web)):
        pass
        yield '<p style="margin:0 0 6px;font-family:'
        yield escape((undefined(name='serif') if l_0_serif is missing else l_0_serif))
        yield ';font-size:19px;line-height:1.4;">Dear '
        yield escape((undefined(name='reader_name') if l_0_reader_name is missing else l_0_reader_name))
        yield ',</p>\n'
    yield '<p style="margin:0;">'
    yield escape((undefined(name='intro') if l_0_intro is missing else l_0_intro))
    if (environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'article_count') and (undefined(name='story_count') if l_0_story_count is missing else l_0_story_count)):
        pass
        yield ' This week: '
        yield escape((undefined(name='story_count') if l_0_story_count is missing else l_0_story_count))
        yield ' '
        yield escape(('story' if ((undefined(name='story_count') if l_0_story_count is missing else l_0_story_count) == 1) else 'stories'))
        yield ', picked from '
        yield escape(environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'article_count'))
        yield ' articles.'
    yield '</p>\n</mj-text>\n</mj-column></mj-section>\n\n'
    l_1_loop = missing
    for l_1_section, l_1_loop in LoopContext((undefined(name='sections') if l_0_sections is missing else l_0_sections), undefined):
        l_1_story = resolve('story')
        _loop_vars = {}
        pass
        if (environment.getattr(l_1_section, 'key') == 'lead'):
            pass
            l_1_story = environment.getitem(environment.getattr(l_1_section, 'stories'), 0)
            _loop_vars['story'] = l_1_story
            yield '<mj-section background-color="'
            yield escape((undefined(name='card') if l_0_card is missing else l_0_card))
            yield '" padding="32px 0 0" css-class="fd-card"><mj-column>\n'
            yield escape(context.call((undefined(name='section_heading') if l_0_section_heading is missing else l_0_section_heading), environment.getattr(l_1_section, 'title'), _loop_vars=_loop_vars))
            yield '\n'
            if environment.getattr((undefined(name='story') if l_1_story is missing else l_1_story), 'image'):
                pass
                yield '<mj-image src="'
                yield escape(environment.getattr((undefined(name='story') if l_1_story is missing else l_1_story), 'image'))
                yield '" alt="'
                yield escape(environment.getattr((undefined(name='story') if l_1_story is missing else l_1_story), 'image_alt'))
                yield '" width="600px" padding="16px 0 0"'
                if environment.getattr((undefined(name='story') if l_1_story is missing else l_1_story), 'url'):
                    pass
                    yield ' href="'
                    yield escape(environment.getattr((undefined(name='story') if l_1_story is missing else l_1_story), 'url'))
                    yield '"'
                yield ' />\n'
            yield '<mj-text padding="18px 32px 0" css-class="fd-pad fd-lead">\n'
            if environment.getattr((undefined(name='story') if l_1_story is missing else l_1_story), 'outlet'):
                pass
                yield '<p class="fd-meta" style="margin:0 0 6px;font-size:12px;line-height:1.3;font-weight:600;letter-spacing:1px;text-transform:uppercase;color:'
                yield escape((undefined(name='muted') if l_0_muted is missing else l_0_muted))
                yield ';" dir="auto">'
                yield escape(environment.getattr((undefined(name='story') if l_1_story is missing else l_1_story), 'outlet'))
                yield '</p>\n'
            yield escape(context.call((undefined(name='headline') if l_0_headline is missing else l_0_headline), (undefined(name='story') if l_1_story is missing else l_1_story), 30, _loop_vars=_loop_vars))
            yield '\n'
            if environment.getattr((undefined(name='story') if l_1_story is missing else l_1_story), 'summary'):
                pass
                yield '<p dir="auto" style="margin:0 0 12px;text-align:start;font-size:17px;line-height:1.6;">'
                yield escape(environment.getattr((undefined(name='story') if l_1_story is missing else l_1_story), 'summary'))
                yield '</p>\n'
            yield escape(context.call((undefined(name='also_covered') if l_0_also_covered is missing else l_0_also_covered), (undefined(name='story') if l_1_story is missing else l_1_story), _loop_vars=_loop_vars))
            yield '\n</mj-text>\n'
            for l_2_other in environment.getattr(l_1_section, 'stories')[1:]:
                _loop_vars = {}
                pass
                yield escape(context.call((undefined(name='story_item') if l_0_story_item is missing else l_0_story_item), l_2_other, False, _loop_vars=_loop_vars))
                yield '\n'
            l_2_other = missing
            yield '</mj-column></mj-section>\n'
        elif (environment.getattr(l_1_section, 'key') == 'more'):
            pass
            yield '<mj-section background-color="'
            yield escape((undefined(name='card') if l_0_card is missing else l_0_card))
            yield '" padding="32px 0 0" css-class="fd-card"><mj-column>\n'
            yield escape(context.call((undefined(name='section_heading') if l_0_section_heading is missing else l_0_section_heading), environment.getattr(l_1_section, 'title'), _loop_vars=_loop_vars))
            yield '\n<mj-text padding="6px 32px 0" css-class="fd-pad">\n'
            l_2_loop = missing
            for l_2_story, l_2_loop in LoopContext(environment.getattr(l_1_section, 'stories'), undefined):
                _loop_vars = {}
                pass
                yield '<p dir="auto" style="margin:0;padding:10px 0;text-align:start;'
                if (not environment.getattr(l_2_loop, 'first')):
                    pass
                    yield 'border-top:1px solid '
                    yield escape((undefined(name='rule') if l_0_rule is missing else l_0_rule))
                    yield ';'
                yield 'font-size:15px;line-height:1.45;">'
                if environment.getattr(l_2_story, 'url'):
                    pass
                    yield '<a href="'
                    yield escape(environment.getattr(l_2_story, 'url'))
                    yield '" style="color:'
                    yield escape((undefined(name='ink') if l_0_ink is missing else l_0_ink))
                    yield ';text-decoration:none;font-family:'
                    yield escape((undefined(name='serif') if l_0_serif is missing else l_0_serif))
                    yield ';font-weight:700;">'
                    yield escape(environment.getattr(l_2_story, 'headline'))
                    yield '</a>'
                else:
                    pass
                    yield '<b style="font-family:'
                    yield escape((undefined(name='serif') if l_0_serif is missing else l_0_serif))
                    yield ';">'
                    yield escape(environment.getattr(l_2_story, 'headline'))
                    yield '</b>'
                if environment.getattr(l_2_story, 'outlet'):
                    pass
                    yield ' <span class="fd-meta" style="color:'
                    yield escape((undefined(name='muted') if l_0_muted is missing else l_0_muted))
                    yield ';">— '
                    yield escape(environment.getattr(l_2_story, 'outlet'))
                    yield '</span>'
                yield '</p>\n'
            l_2_loop = l_2_story = missing
            yield '</mj-text>\n</mj-column></mj-section>\n'
        else:
            pass
            yield '<mj-section background-color="'
            yield escape((undefined(name='card') if l_0_card is missing else l_0_card))
            yield '" padding="32px 0 0" css-class="fd-card"><mj-column>\n'
            yield escape(context.call((undefined(name='section_heading') if l_0_section_heading is missing else l_0_section_heading), environment.getattr(l_1_section, 'title'), _loop_vars=_loop_vars))
            yield '\n'
            l_2_loop = missing
            for l_2_story, l_2_loop in LoopContext(environment.getattr(l_1_section, 'stories'), undefined):
                _loop_vars = {}
                pass
                yield escape(context.call((undefined(name='story_item') if l_0_story_item is missing else l_0_story_item), l_2_story, environment.getattr(l_2_loop, 'first'), _loop_vars=_loop_vars))
                yield '\n'
            l_2_loop = l_2_story = missing
            yield '</mj-column></mj-section>\n'
    l_1_loop = l_1_section = l_1_story = missing
    yield '<mj-section background-color="'
    yield escape((undefined(name='card') if l_0_card is missing else l_0_card))
    yield '" padding="0 0 36px" css-class="fd-card"><mj-column><mj-spacer height="1px" /></mj-column></mj-section>'
    if (undefined(name='support') if l_0_support is missing else l_0_support):
        pass
        yield '<mj-section background-color="'
        yield escape(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'accent_colour'))
        yield '" border-top="1px solid '
        yield escape((undefined(name='rule') if l_0_rule is missing else l_0_rule))
        yield '" padding="30px 0 18px" css-class="fd-support"><mj-column>\n<mj-text padding="0 32px" css-class="fd-pad">\n<h2 style="margin:0 0 12px;font-family:'
        yield escape((undefined(name='serif') if l_0_serif is missing else l_0_serif))
        yield ';font-size:22px;line-height:1.3;font-weight:700;color:'
        yield escape((undefined(name='ink') if l_0_ink is missing else l_0_ink))
        yield ';">A message from '
        yield escape((undefined(name='name') if l_0_name is missing else l_0_name))
        yield '</h2>\n'
        for l_1_paragraph in (undefined(name='support_message') if l_0_support_message is missing else l_0_support_message):
            _loop_vars = {}
            pass
            yield '<p style="margin:0 0 12px;font-size:15px;line-height:1.6;">'
            yield escape(l_1_paragraph)
            yield '</p>\n'
        l_1_paragraph = missing
        yield '</mj-text>\n</mj-column></mj-section>\n<mj-section background-color="'
        yield escape(environment.getattr((undefined(name='b') if l_0_b is missing else l_0_b), 'accent_colour'))
        yield '" padding="4px 26px 32px" css-class="fd-support fd-buttons"><mj-group>\n'
        for l_1_link in (undefined(name='support') if l_0_support is missing else l_0_support):
            _loop_vars = {}
            pass
            if (environment.getattr(l_1_link, 'label') == 'Monthly'):
                pass
                yield '<mj-column width="33.33%"><mj-button href="'
                yield escape(environment.getattr(l_1_link, 'url'))
                yield '" background-color="'
                yield escape((undefined(name='red') if l_0_red is missing else l_0_red))
                yield '" color="#ffffff" border="2px solid '
                yield escape((undefined(name='red') if l_0_red is missing else l_0_red))
                yield '">'
                yield escape(environment.getattr(l_1_link, 'label'))
                yield '</mj-button></mj-column>\n'
            else:
                pass
                yield '<mj-column width="33.33%"><mj-button href="'
                yield escape(environment.getattr(l_1_link, 'url'))
                yield '" background-color="'
                yield escape((undefined(name='card') if l_0_card is missing else l_0_card))
                yield '" color="'
                yield escape((undefined(name='red') if l_0_red is missing else l_0_red))
                yield '" border="2px solid '
                yield escape((undefined(name='red') if l_0_red is missing else l_0_red))
                yield '" css-class="fd-outline">'
                yield escape(environment.getattr(l_1_link, 'label'))
                yield '</mj-button></mj-column>\n'
        l_1_link = missing
        yield '</mj-group></mj-section>\n'
    if ((undefined(name='web') if l_0_web is missing else l_0_web) and (undefined(name='subscribe_url') if l_0_subscribe_url is missing else l_0_subscribe_url)):
        pass
        yield '<mj-section background-color="'
        yield escape((undefined(name='page') if l_0_page is missing else l_0_page))
        yield '" padding="32px 0 0" css-class="fd-foot"><mj-column>\n<mj-text align="center" padding="0 32px" font-size="16px" css-class="fd-pad"><p style="margin:0;font-family:'
        yield escape((undefined(name='serif') if l_0_serif is missing else l_0_serif))
        yield ';font-size:19px;line-height:1.4;">Get '
        yield escape((undefined(name='name') if l_0_name is missing else l_0_name))
        yield ' in your inbox every '
        yield escape((undefined(name='send_day') if l_0_send_day is missing else l_0_send_day))
        yield '.</p></mj-text>\n<mj-button href="'
        yield escape((undefined(name='subscribe_url') if l_0_subscribe_url is missing else l_0_subscribe_url))
        yield '" background-color="'
        yield escape((undefined(name='red') if l_0_red is missing else l_0_red))
        yield '" color="#ffffff" width="200px" padding="14px 32px 0">Subscribe</mj-button>\n</mj-column></mj-section>\n'
    yield '<mj-section background-color="'
    yield escape((undefined(name='page') if l_0_page is missing else l_0_page))
    yield '" padding="24px 0 40px" css-class="fd-foot"><mj-column>\n<mj-text align="center" font-size="13px" line-height="1.6" color="'
    yield escape((undefined(name='muted') if l_0_muted is missing else l_0_muted))
    yield '" padding="0 32px" css-class="fd-pad">\n'
    if (undefined(name='web') if l_0_web is missing else l_0_web):
        pass
        yield '<p style="margin:0 0 10px;">This is the web edition of '
        yield escape((undefined(name='name') if l_0_name is missing else l_0_name))
        yield ', our free weekly newsletter: a hand-picked selection of news, features, analysis and more, sent every '
        yield escape((undefined(name='send_day') if l_0_send_day is missing else l_0_send_day))
        yield '.</p>\n<p style="margin:0 0 10px;">'
        if (undefined(name='subscribe_url') if l_0_subscribe_url is missing else l_0_subscribe_url):
            pass
            yield '<a href="'
            yield escape((undefined(name='subscribe_url') if l_0_subscribe_url is missing else l_0_subscribe_url))
            yield '" style="color:'
            yield escape((undefined(name='muted') if l_0_muted is missing else l_0_muted))
            yield ';text-decoration:underline;">Subscribe</a>'
        if (undefined(name='archive_url') if l_0_archive_url is missing else l_0_archive_url):
            pass
            if (undefined(name='subscribe_url') if l_0_subscribe_url is missing else l_0_subscribe_url):
                pass
                yield ' &nbsp;·&nbsp; '
            yield '<a href="'
            yield escape((undefined(name='archive_url') if l_0_archive_url is missing else l_0_archive_url))
            yield '" style="color:'
            yield escape((undefined(name='muted') if l_0_muted is missing else l_0_muted))
            yield ';text-decoration:underline;white-space:nowrap;">Past editions</a>'
        if (undefined(name='privacy_policy_url') if l_0_privacy_policy_url is missing else l_0_privacy_policy_url):
            pass
            yield ' &nbsp;·&nbsp; <a href="'
            yield escape((undefined(name='privacy_policy_url') if l_0_privacy_policy_url is missing else l_0_privacy_policy_url))
            yield '" style="color:'
            yield escape((undefined(name='muted') if l_0_muted is missing else l_0_muted))
            yield ';text-decoration:underline;white-space:nowrap;">Privacy policy</a>'
        yield '</p>\n'
    else:
        pass
        yield '<p style="margin:0 0 10px;">You receive this because you subscribed to '
        yield escape((undefined(name='name') if l_0_name is missing else l_0_name))
        yield ', our weekly newsletter, sent every '
        yield escape((undefined(name='send_day') if l_0_send_day is missing else l_0_send_day))
        yield '.</p>\n<p style="margin:0 0 10px;"><a href="'
        yield escape((undefined(name='preferences_url') if l_0_preferences_url is missing else l_0_preferences_url))
        yield '" style="color:'
        yield escape((undefined(name='muted') if l_0_muted is missing else l_0_muted))
        yield ';text-decoration:underline;white-space:nowrap;">Manage preferences</a> &nbsp;·&nbsp; <a href="'
        yield escape((undefined(name='unsubscribe_url') if l_0_unsubscribe_url is missing else l_0_unsubscribe_url))
        yield '" style="color:'
        yield escape((undefined(name='muted') if l_0_muted is missing else l_0_muted))
        yield ';text-decoration:underline;">Unsubscribe</a>'
        if (undefined(name='privacy_policy_url') if l_0_privacy_policy_url is missing else l_0_privacy_policy_url):
            pass
            yield ' &nbsp;·&nbsp; <a href="'
            yield escape((undefined(name='privacy_policy_url') if l_0_privacy_policy_url is missing else l_0_privacy_policy_url))
            yield '" style="color:'
            yield escape((undefined(name='muted') if l_0_muted is missing else l_0_muted))
            yield ';text-decoration:underline;white-space:nowrap;">Privacy policy</a>'
        if (undefined(name='archive_url') if l_0_archive_url is missing else l_0_archive_url):
            pass
            yield ' &nbsp;·&nbsp; <a href="'
            yield escape((undefined(name='archive_url') if l_0_archive_url is missing else l_0_archive_url))
            yield '" style="color:'
            yield escape((undefined(name='muted') if l_0_muted is missing else l_0_muted))
            yield ';text-decoration:underline;white-space:nowrap;">Past editions</a>'
        yield '</p>\n'
    if (undefined(name='postal_address') if l_0_postal_address is missing else l_0_postal_address):
        pass
        yield '<p style="margin:0;">'
        yield escape((undefined(name='postal_address') if l_0_postal_address is missing else l_0_postal_address))
        yield '</p>\n'
    yield '</mj-text>\n</mj-column></mj-section>\n</mj-body>\n</mjml>\n'

blocks = {}
debug_info = '17=41&18=44&19=47&20=50&21=53&22=56&23=59&24=62&25=65&27=68&28=75&31=87&32=96&35=125&36=130&37=134&41=178&42=187&43=200&44=204&46=227&47=230&48=234&50=238&54=245&56=247&57=249&59=256&60=258&62=260&71=262&90=264&91=266&92=269&94=280&98=283&99=287&100=290&102=299&104=306&106=318&107=321&109=326&113=338&114=342&116=344&117=347&118=349&119=351&120=354&123=365&124=368&126=372&127=374&128=377&130=379&132=381&133=384&136=388&138=391&139=393&141=396&142=400&148=437&149=439&150=442&151=445&156=451&159=453&160=456&162=460&163=466&164=470&168=474&169=476&170=479&171=482&173=493&180=505&181=508&182=510&183=516&186=521&187=523&188=525&189=528&190=532&192=560&193=564&195=587&196=590'

AUTOESCAPE = True
SOURCE_SHA256 = '05c8b337956900b409e1c8efe8d686b8e6d4700b8ec1d5fb9b1103dafcf9943f'
