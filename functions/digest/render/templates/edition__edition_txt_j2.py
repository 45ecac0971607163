# edition.txt.j2 compiled by digest.render.precompiled (`make templates`) for digest.render.runtime: do not edit.
from digest.render.runtime import TemplateRuntimeError, Undefined, internalcode, missing, str_join
name = 'edition.txt.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_name = resolve('name')
    l_0_edition = resolve('edition')
    l_0_view_online_url = resolve('view_online_url')
    l_0_web = resolve('web')
    l_0_reader_name = resolve('reader_name')
    l_0_intro = resolve('intro')
    l_0_story_count = resolve('story_count')
    l_0_sections = resolve('sections')
    l_0_support = resolve('support')
    l_0_support_message = resolve('support_message')
    l_0_send_day = resolve('send_day')
    l_0_subscribe_url = resolve('subscribe_url')
    l_0_preferences_url = resolve('preferences_url')
    l_0_unsubscribe_url = resolve('unsubscribe_url')
    l_0_privacy_policy_url = resolve('privacy_policy_url')
    l_0_archive_url = resolve('archive_url')
    l_0_postal_address = resolve('postal_address')
    try:
        t_1 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    try:
        t_2 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    try:
        t_3 = environment.filters['select']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'select' found.")
    try:
        t_4 = environment.filters['upper']
    except KeyError:
        @internalcode
        def t_4(*unused):
            raise TemplateRuntimeError("No filter named 'upper' found.")
    try:
        t_5 = environment.filters['wrap']
    except KeyError:
        @internalcode
        def t_5(*unused):
            raise TemplateRuntimeError("No filter named 'wrap' found.")
    pass
    yield str(t_4((undefined(name='name') if l_0_name is missing else l_0_name)))
    yield '\n'
    yield str(environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'date'))
    yield ' · No. '
    yield str(environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'number'))
    yield '\n'
    if (undefined(name='view_online_url') if l_0_view_online_url is missing else l_0_view_online_url):
        pass
        yield '\nView in your browser:\n'
        yield str((undefined(name='view_online_url') if l_0_view_online_url is missing else l_0_view_online_url))
        yield '\n'
    yield '\n'
    if (not (undefined(name='web') if l_0_web is missing else l_0_web)):
        pass
        yield 'Dear '
        yield str((undefined(name='reader_name') if l_0_reader_name is missing else l_0_reader_name))
        yield ',\n\n'
    yield str(t_5(str_join(((undefined(name='intro') if l_0_intro is missing else l_0_intro), (str_join((' This week: ', (undefined(name='story_count') if l_0_story_count is missing else l_0_story_count), (' story' if ((undefined(name='story_count') if l_0_story_count is missing else l_0_story_count) == 1) else ' stories'), ', picked from ', environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'article_count'), ' articles.', )) if (environment.getattr((undefined(name='edition') if l_0_edition is missing else l_0_edition), 'article_count') and (undefined(name='story_count') if l_0_story_count is missing else l_0_story_count)) else ''), ))))
    yield '\n'
    for l_1_section in (undefined(name='sections') if l_0_sections is missing else l_0_sections):
        _loop_vars = {}
        pass
        yield '\n\n'
        yield str(environment.getattr(l_1_section, 'title'))
        yield '\n'
        yield str(('=' * t_2(environment.getattr(l_1_section, 'title'))))
        yield '\n'
        for l_2_story in environment.getattr(l_1_section, 'stories'):
            _loop_vars = {}
            pass
            if (environment.getattr(l_1_section, 'key') == 'more'):
                pass
                yield '\n'
                yield str(t_5(str_join((environment.getattr(l_2_story, 'headline'), (str_join((' — ', environment.getattr(l_2_story, 'outlet'), )) if environment.getattr(l_2_story, 'outlet') else ''), )), indent='  ', first='* '))
                yield '\n'
                if environment.getattr(l_2_story, 'url'):
                    pass
                    yield '  '
                    yield str(environment.getattr(l_2_story, 'url'))
                    yield '\n'
            else:
                pass
                yield '\n'
                yield str(t_5(environment.getattr(l_2_story, 'headline')))
                yield '\n'
                if (environment.getattr(l_2_story, 'outlet') or environment.getattr(l_2_story, 'label')):
                    pass
                    yield str(t_5(t_1(context.eval_ctx, t_3(context, [environment.getattr(l_2_story, 'label'), environment.getattr(l_2_story, 'outlet')]), ' · ')))
                    yield '\n'
                if environment.getattr(l_2_story, 'url'):
                    pass
                    yield str(environment.getattr(l_2_story, 'url'))
                    yield '\n'
                if environment.getattr(l_2_story, 'summary'):
                    pass
                    yield '\n'
                    yield str(t_5(environment.getattr(l_2_story, 'summary')))
                    yield '\n'
                if environment.getattr(l_2_story, 'also'):
                    pass
                    yield '\nAlso covered by:\n'
                    for l_3_link in environment.getattr(l_2_story, 'also'):
                        _loop_vars = {}
                        pass
                        yield '  - '
                        yield str(environment.getattr(l_3_link, 'label'))
                        if environment.getattr(l_3_link, 'url'):
                            pass
                            yield ': '
                            yield str(environment.getattr(l_3_link, 'url'))
                        yield '\n'
                    l_3_link = missing
                    if environment.getattr(l_2_story, 'more_outlets'):
                        pass
                        yield '  - and '
                        yield str(environment.getattr(l_2_story, 'more_outlets'))
                        yield ' more\n'
        l_2_story = missing
    l_1_section = missing
    if (undefined(name='support') if l_0_support is missing else l_0_support):
        pass
        yield '\n\nA message from '
        yield str((undefined(name='name') if l_0_name is missing else l_0_name))
        yield '\n'
        yield str(('-' * t_2(str_join(('A message from ', (undefined(name='name') if l_0_name is missing else l_0_name), )))))
        yield '\n'
        for l_1_paragraph in (undefined(name='support_message') if l_0_support_message is missing else l_0_support_message):
            _loop_vars = {}
            pass
            yield '\n'
            yield str(t_5(l_1_paragraph))
            yield '\n'
        l_1_paragraph = missing
        yield '\nSupport us:\n'
        for l_1_link in (undefined(name='support') if l_0_support is missing else l_0_support):
            _loop_vars = {}
            pass
            yield '  '
            yield str(context.call(environment.getattr(str_join((environment.getattr(l_1_link, 'label'), ':', )), 'ljust'), 9, _loop_vars=_loop_vars))
            yield str(environment.getattr(l_1_link, 'url'))
            yield '\n'
        l_1_link = missing
    yield '\n\n------------------------------------------------------------------------\n'
    if (undefined(name='web') if l_0_web is missing else l_0_web):
        pass
        yield str(t_5(str_join(('This is the web edition of ', (undefined(name='name') if l_0_name is missing else l_0_name), ', our free weekly newsletter: a hand-picked selection of news, features, analysis and more, sent every ', (undefined(name='send_day') if l_0_send_day is missing else l_0_send_day), '.', ))))
        yield '\n\n'
        if (undefined(name='subscribe_url') if l_0_subscribe_url is missing else l_0_subscribe_url):
            pass
            yield 'Subscribe: '
            yield str((undefined(name='subscribe_url') if l_0_subscribe_url is missing else l_0_subscribe_url))
            yield '\n'
    else:
        pass
        yield str(t_5(str_join(('You receive this because you subscribed to ', (undefined(name='name') if l_0_name is missing else l_0_name), ', our weekly newsletter, sent every ', (undefined(name='send_day') if l_0_send_day is missing else l_0_send_day), '.', ))))
        yield '\n\nManage preferences: '
        yield str((undefined(name='preferences_url') if l_0_preferences_url is missing else l_0_preferences_url))
        yield '\nUnsubscribe: '
        yield str((undefined(name='unsubscribe_url') if l_0_unsubscribe_url is missing else l_0_unsubscribe_url))
        yield '\n'
    if (undefined(name='privacy_policy_url') if l_0_privacy_policy_url is missing else l_0_privacy_policy_url):
        pass
        yield 'Privacy policy: '
        yield str((undefined(name='privacy_policy_url') if l_0_privacy_policy_url is missing else l_0_privacy_policy_url))
        yield '\n'
    if (undefined(name='archive_url') if l_0_archive_url is missing else l_0_archive_url):
        pass
        yield 'Past editions: '
        yield str((undefined(name='archive_url') if l_0_archive_url is missing else l_0_archive_url))
        yield '\n'
    if (undefined(name='postal_address') if l_0_postal_address is missing else l_0_postal_address):
        pass
        yield '\n'
        yield str(t_5((undefined(name='postal_address') if l_0_postal_address is missing else l_0_postal_address)))
        yield '\n'

blocks = {}
debug_info = '5=58&6=60&7=64&10=67&13=70&14=73&17=75&18=77&21=81&22=83&23=85&24=88&26=91&27=93&28=96&32=101&33=103&34=105&36=107&37=109&39=111&41=114&43=116&46=119&47=123&50=130&51=133&57=137&60=140&61=142&62=144&64=148&68=152&69=156&75=161&76=163&78=165&79=168&82=172&84=174&85=176&87=178&88=181&90=183&91=186&93=188&95=191'

AUTOESCAPE = False
SOURCE_SHA256 = '542ecf6613a76fbb2e4640e7a04ca05a400ef8831e91ce5b7ab4f2a24b4b3f32'
